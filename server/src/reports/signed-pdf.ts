/**
 * The PDF of a report version signed with the doctor's own key: rendered in both languages the UI offers (zh-CN,
 * en) inside the signing transaction, PAdES-signed with the doctor's certificate and chain (the key is unlocked by
 * the PIN for this request only and never stored unsealed), with an RFC 3161 signature-time-stamp when the TSA
 * answers. The file goes to the platform storage (`reports` namespace, `signed/<report>/v<n>-<lang>-<sha256>.pdf`)
 * and a `report_signed_pdfs` row, written in the same transaction as the version, names it: a version is signed
 * with its PDFs or not at all. A rolled-back signing removes the files it wrote. The PDF route then serves exactly
 * that file (its sha256 checked), never a re-rendering: nothing can re-sign it without the doctor's PIN, so what
 * it prints is frozen at signing (a later acknowledgement or layout change does not appear in it).
 *
 * Keys PDF readers cannot verify (SM2, Ed25519: poppler/NSS and common readers have no PAdES support for them)
 * leave the PDF to the deployment certificate, rendered on demand (pdf-store.ts); its block then names the
 * doctor's certificate and says why the platform signed the PDF (reportKeyNote).
 */
import crypto from 'node:crypto';
import type { Executor, Trx } from '../db/database';
import { DomainError, isDatabaseUnavailable } from '../errors';
import type { BlobStore } from '../imaging/storage';
import { openStore } from '../storage';
import type { SignerAlgorithm } from '../signers/x509';
import { loadDocument, type ReportDocument } from './document';
import { keyImagePictures } from './key-image-pictures';
import type { PayloadSigner } from './payload';
import type { PdfRenderer } from './pdf-renderer';
import { signPdf } from './pades/sign-pdf';
import type { PdfSignatureInfo } from './pades/signature-block';
import { certificateSubject, signerFromKey, type CmsSigner } from './pades/signer';
import { requestTimestamp } from './timestamp/client';
import type { TimestampSettings } from './timestamp/service';
import type { Loaded } from './view';
import * as q from './queries';

export const PDF_LANGS = ['zh-CN', 'en'] as const;
export type PdfLang = (typeof PDF_LANGS)[number];

/** Personal-key algorithms PDF readers verify: a version signed with one gets a PDF signed by that key. */
export const PDF_SIGNING_ALGORITHMS: readonly SignerAlgorithm[] = ['p256'];

const ALGORITHM_LABEL: Record<SignerAlgorithm, string> = {
  ed25519: 'Ed25519',
  p256: 'ECDSA P-256',
  sm2: 'SM2',
};

/** What rendering and storing a report PDF needs (set up once by the routes). */
export interface PdfKit {
  renderer: PdfRenderer;
  blobs: BlobStore;
  storageDir: string;
}

/** One stored file of a signing in progress: removed again if the signing does not commit. */
export interface PdfWrite {
  reportId: string;
  version: number;
  lang: PdfLang;
  key: string;
}

export const signsOwnPdf = (s: PayloadSigner): boolean =>
  !!s.algorithm && !!s.certificatePem && PDF_SIGNING_ALGORITHMS.includes(s.algorithm);

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

const failure = (cause: unknown) =>
  new DomainError(
    'pdf_signing_failed',
    `the report PDF could not be signed with your certificate (${cause instanceof Error ? cause.message : String(cause)}); the report was not signed`,
  );

/** Render `doc` and sign it; a TSA that does not answer gives a PDF that says so, signed without a time-stamp. */
async function renderAndSign(
  kit: PdfKit,
  doc: ReportDocument,
  lang: PdfLang,
  cms: CmsSigner,
  subject: string,
  endpoint: TimestampSettings['endpoint'],
): Promise<{ pdf: Buffer; timestamped: boolean }> {
  const info = (timestamp: PdfSignatureInfo['timestamp']): PdfSignatureInfo => ({
    certificateSubject: subject,
    timestamp,
    trustedTime: null,
  });
  if (endpoint) {
    doc.pdfSignature = info('embedded');
    const stamp = (signature: Buffer) =>
      requestTimestamp(endpoint, signature).then(
        (v) => v.token,
        () => null,
      );
    const r = await signPdf(await kit.renderer.render(doc, lang), cms, stamp);
    if (r.timestamped) return r;
    doc.pdfSignature = info('failed');
  } else doc.pdfSignature = info('none');
  return signPdf(await kit.renderer.render(doc, lang), cms);
}

/**
 * In the signing transaction, after the version row: the version's PDF in each language, signed with `signer`
 * (an own P-256 or RSA key), stored and recorded. Every file written is pushed to `writes` first (for
 * discardUnsigned). A rendering, signing or storage fault throws `pdf_signing_failed` naming it.
 */
export async function signVersionPdfs(
  trx: Trx,
  kit: PdfKit,
  timestamps: Pick<TimestampSettings, 'endpoint'>,
  l: Loaded,
  version: number,
  signer: PayloadSigner,
  timeZone: string,
  writes: PdfWrite[],
): Promise<{ lang: PdfLang; sha256: string; timestamped: boolean }[]> {
  const doc = await loadDocument(trx, l, version, timeZone);
  const store = openStore(kit.storageDir, 'reports');
  const out: { lang: PdfLang; sha256: string; timestamped: boolean }[] = [];
  let endpoint = timestamps.endpoint;
  let cms: CmsSigner;
  let subject: string;
  try {
    cms = signerFromKey(signer.certificatePem!, signer.chainPem ?? [], signer.privateKey);
    subject = certificateSubject(signer.certificatePem!);
  } catch (e) {
    throw failure(e);
  }
  for (const lang of PDF_LANGS) {
    doc.keyImagePictures = await keyImagePictures(
      trx,
      kit.blobs,
      doc.consultation.id,
      doc.requesting.id,
      doc.payload.content.keyImages,
      lang,
    );
    let pdf: Buffer;
    let timestamped: boolean;
    let hash: string;
    let key: string;
    try {
      ({ pdf, timestamped } = await renderAndSign(kit, doc, lang, cms, subject, endpoint));
      // One TSA that did not answer is not asked again for the other language (the transaction is open).
      if (!timestamped) endpoint = null;
      hash = sha256(pdf);
      key = `signed/${l.report.id}/v${version}-${lang}-${hash}.pdf`;
      writes.push({ reportId: l.report.id, version, lang, key });
      await store.put(key, pdf);
    } catch (e) {
      if (e instanceof DomainError || isDatabaseUnavailable(e)) throw e;
      throw failure(e);
    }
    await q.insertSignedPdf(trx, {
      report_id: l.report.id,
      version,
      lang,
      storage_key: key,
      sha256: hash,
      size: pdf.length,
      certificate_subject: subject,
      timestamped,
    });
    out.push({ lang, sha256: hash, timestamped });
  }
  return out;
}

/**
 * After a signing that did not commit: remove the files it wrote. A file is kept when a row names it (the commit
 * went through after all) or when that cannot be known (database unreachable): an unnamed file is never served.
 */
export async function discardUnsigned(db: Executor, storageDir: string, writes: PdfWrite[]): Promise<void> {
  const store = openStore(storageDir, 'reports');
  for (const w of writes) {
    try {
      const row = await q.findSignedPdf(db, w.reportId, w.version, w.lang);
      if (row?.storage_key !== w.key) await store.delete(w.key);
    } catch {
      // Left as an orphan: harmless, no row names it.
    }
  }
}

/** The PDF signed with the doctor's key at signing time for this version and language, or null when none. */
export async function storedSignedPdf(
  db: Executor,
  storageDir: string,
  reportId: string,
  version: number,
  lang: PdfLang,
): Promise<Buffer | null> {
  const row = await q.findSignedPdf(db, reportId, version, lang);
  if (!row) return null;
  let pdf: Buffer;
  try {
    pdf = await openStore(storageDir, 'reports').get(row.storage_key);
  } catch (e) {
    throw new DomainError(
      'unavailable',
      `the signed PDF of version ${version} (${lang}) cannot be read from storage: ${(e as Error).message}`,
    );
  }
  if (sha256(pdf) !== row.sha256)
    throw new DomainError(
      'internal',
      `the stored signed PDF of version ${version} (${lang}) does not match its recorded sha256`,
    );
  return pdf;
}

/** For a version signed with a key PDF readers cannot verify: the note the deployment-signed PDF prints. */
export async function reportKeyNote(
  db: Executor,
  reportId: string,
  version: number,
): Promise<PdfSignatureInfo['reportKey']> {
  const v = await q.versionKey(db, reportId, version);
  const algorithm = v?.algorithm as SignerAlgorithm | null | undefined;
  if (!algorithm || !v?.certificate_pem || PDF_SIGNING_ALGORITHMS.includes(algorithm)) return undefined;
  return { algorithm: ALGORITHM_LABEL[algorithm], subject: certificateSubject(v.certificate_pem) };
}
