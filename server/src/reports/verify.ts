/**
 * Verification of a report's signed versions, check by check, each naming what it compared: the version sequence,
 * the signature (the signer's certificate, or the deployment key for versions signed before per-signer keys), the
 * payload's header, the certificate's chain, validity and revocation at the signing time, the chain of versions, the
 * consultation, patient and hospitals the signature names against the ones stored now, and the report's head (the
 * append-only signature log and the report row) so a dropped newest version is noticed.
 */
import crypto from 'node:crypto';
import type { SignatureCheck, SignatureSigner } from '@consult/shared';
import { canonicalJson, verifyCanonical, type SigningKey } from './signing';
import { PAYLOAD_TYPE, PAYLOAD_TYPE_V1, sha256, type SignedPatient, type SignedPayload } from './payload';
import type { ReportVersionRow } from './tables';
import type { SignerKeyRow } from '../signers/tables';
import { checkCertificate } from '../signers/trust';
import {
  algorithmLabel,
  certFingerprint,
  normalisePublicKey,
  verifyBytes,
  type SignerAlgorithm,
} from '../signers/x509';

export const DEPLOYMENT_KEY_LABEL = 'signed by the deployment key (before per-signer keys)';

/** What the signatures are compared with: the report's facts as stored now. */
export interface ReportFacts {
  reportId: string;
  consultationId: string;
  patient: SignedPatient;
  hospitals: { requesting: string; target: string };
  currentVersion: number;
  /** report_signature_log rows, by version. */
  log: { version: number; signature_sha256: string }[];
}

export interface Verifiers {
  deployment: Pick<SigningKey, 'publicKey' | 'fingerprint'> | null;
  anchors: crypto.X509Certificate[];
  /** Signer keys by certificate fingerprint (their chain and revocation). */
  signerKeys: Map<string, SignerKeyRow>;
}

export interface VersionResult {
  version: number;
  ok: boolean;
  reason: string | null;
  checks: SignatureCheck[];
  signer: SignatureSigner | null;
}

const pass = (check: SignatureCheck['check'], detail: string | null = null): SignatureCheck => ({
  check,
  ok: true,
  detail,
});
const fail = (check: SignatureCheck['check'], detail: string): SignatureCheck => ({
  check,
  ok: false,
  detail,
});

function signatureChecks(
  v: Verifiers,
  row: ReportVersionRow,
  signedAt: Date,
): { checks: SignatureCheck[]; signer: SignatureSigner | null } {
  if (!row.algorithm) {
    const signer: SignatureSigner = {
      deploymentKey: true,
      algorithm: 'Ed25519',
      subject: null,
      issuer: null,
      notBefore: null,
      notAfter: null,
      fingerprint: row.key_fingerprint,
      revokedAt: null,
    };
    if (!v.deployment || row.key_fingerprint !== v.deployment.fingerprint)
      return { checks: [fail('signature', 'signed with a key this deployment does not hold')], signer };
    return {
      checks: [
        verifyCanonical(v.deployment.publicKey, row.payload, row.signature)
          ? pass('signature', DEPLOYMENT_KEY_LABEL)
          : fail('signature', 'signature does not match the stored report'),
      ],
      signer,
    };
  }
  let cert: crypto.X509Certificate;
  try {
    cert = new crypto.X509Certificate(row.certificate_pem ?? '');
  } catch {
    return {
      checks: [fail('certificate', 'the signed version carries no readable certificate')],
      signer: null,
    };
  }
  const algorithm = row.algorithm as SignerAlgorithm;
  const fingerprint = certFingerprint(cert);
  const reg = v.signerKeys.get(fingerprint);
  const signer: SignatureSigner = {
    deploymentKey: false,
    algorithm: algorithmLabel(algorithm),
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    fingerprint,
    revokedAt: reg?.revoked_at ? reg.revoked_at.toISOString() : null,
  };
  const checks: SignatureCheck[] = [];
  const sigOk =
    fingerprint === row.key_fingerprint &&
    verifyBytes(
      algorithm,
      normalisePublicKey(cert.publicKey),
      Buffer.from(row.payload, 'utf8'),
      Buffer.from(row.signature, 'base64'),
    );
  checks.push(
    sigOk
      ? pass('signature', `${algorithmLabel(algorithm)} by ${signer.subject}`)
      : fail('signature', 'signature does not match the stored report and its certificate'),
  );
  const chain = reg ? (JSON.parse(reg.chain_pem) as string[]) : [];
  checks.push(...checkCertificate(row.certificate_pem!, chain, v.anchors, signedAt));
  if (!reg) checks.push(fail('revocation', 'the certificate is not registered with this deployment'));
  else if (reg.revoked_at && signedAt >= reg.revoked_at)
    checks.push(
      fail(
        'revocation',
        `signed at ${signedAt.toISOString()}, after the key was revoked at ${reg.revoked_at.toISOString()}`,
      ),
    );
  else
    checks.push(
      pass(
        'revocation',
        reg.revoked_at ? `signed before revocation (${reg.revoked_at.toISOString()})` : null,
      ),
    );
  return { checks, signer };
}

function payloadChecks(facts: ReportFacts, row: ReportVersionRow, p: SignedPayload): SignatureCheck[] {
  if (canonicalJson(p) !== row.payload) return [fail('payload', 'stored payload is not canonical JSON')];
  if (p.type !== PAYLOAD_TYPE && p.type !== PAYLOAD_TYPE_V1)
    return [fail('payload', `unknown payload type ${String(p.type)}`)];
  if (p.reportId !== facts.reportId || p.version !== row.version)
    return [fail('payload', 'payload belongs to another report or version')];
  if (p.signer.id !== row.signed_by) return [fail('payload', 'signer differs from the stored signer')];
  if (new Date(p.signedAt).getTime() !== row.signed_at.getTime())
    return [fail('payload', 'signing time differs from the stored time')];
  if (p.type === PAYLOAD_TYPE && p.key?.fingerprint !== row.key_fingerprint)
    return [fail('payload', 'the signed key differs from the stored key')];
  const checks = [pass('payload')];
  checks.push(
    p.consultationId === facts.consultationId
      ? pass('consultation')
      : fail(
          'consultation',
          `signed for consultation ${p.consultationId}, stored under ${facts.consultationId}`,
        ),
  );
  if (p.type === PAYLOAD_TYPE_V1) {
    checks.push(pass('patient', 'not part of signatures made before per-signer keys'));
    return checks;
  }
  const sp = p.patient;
  const cp = facts.patient;
  checks.push(
    sp && sp.id === cp.id && sp.name === cp.name && sp.idHash === cp.idHash
      ? pass('patient')
      : fail(
          'patient',
          sp?.id !== cp.id
            ? 'the consultation now points to another patient than the one signed for'
            : "the patient's name or ID number differs from the one signed for",
        ),
  );
  const h = p.hospitals;
  checks.push(
    h && h.requesting === facts.hospitals.requesting && h.target === facts.hospitals.target
      ? pass('hospitals')
      : fail('hospitals', 'the hospital pair differs from the one signed for'),
  );
  return checks;
}

/** Every version's checks, plus a head entry (version n+1) when the head does not match the stored versions. */
export function verifyReportVersions(
  v: Verifiers,
  facts: ReportFacts,
  rows: ReportVersionRow[],
): VersionResult[] {
  let prevSig: string | null = null;
  const out: VersionResult[] = rows.map((row, i) => {
    const expectedPrev = prevSig === null ? null : sha256(prevSig);
    prevSig = row.signature;
    const checks: SignatureCheck[] = [
      row.version === i + 1
        ? pass('sequence')
        : fail('sequence', `version ${row.version} out of sequence (expected ${i + 1})`),
    ];
    const sig = signatureChecks(v, row, row.signed_at);
    checks.push(...sig.checks);
    let p: SignedPayload | null = null;
    try {
      p = JSON.parse(row.payload) as SignedPayload;
    } catch {
      checks.push(fail('payload', 'stored payload is not JSON'));
    }
    if (p) {
      checks.push(...payloadChecks(facts, row, p));
      checks.push(
        p.previous === expectedPrev
          ? pass('chain_link')
          : fail('chain_link', 'version chain broken (previous signature differs)'),
      );
    }
    const bad = checks.find((c) => !c.ok);
    return { version: row.version, ok: !bad, reason: bad?.detail ?? null, checks, signer: sig.signer };
  });
  const head = headCheck(facts, rows);
  if (!head.ok)
    out.push({ version: rows.length + 1, ok: false, reason: head.detail, checks: [head], signer: null });
  return out;
}

function headCheck(facts: ReportFacts, rows: ReportVersionRow[]): SignatureCheck {
  const last = rows.at(-1);
  const logged = facts.log.at(-1);
  if (facts.log.length > rows.length)
    return fail(
      'head',
      `${facts.log.length} versions were signed but ${rows.length} are stored: version ${logged!.version} is missing`,
    );
  if (facts.currentVersion !== rows.length)
    return fail('head', 'report row and stored versions disagree on the version count');
  if (
    last &&
    (!logged || logged.version !== last.version || logged.signature_sha256 !== sha256(last.signature))
  )
    return fail('head', 'the newest stored version is not the one recorded when it was signed');
  return pass('head');
}
