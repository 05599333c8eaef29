/** Platform data → FHIR R4: DiagnosticReport + Provenance (the signature), CarePlan (follow-ups), AuditEvent. */
import type {
  AuditEvent,
  CarePlan,
  CarePlanActivity,
  DiagnosticReport,
  Provenance,
} from '@medplum/fhirtypes';
import type { ReportContent } from '@consult/shared';
import { SYSTEMS, type Ref } from './mappers';

export interface SignedReportFacts {
  reportId: string;
  version: number;
  /** Report status (signed, amending, acknowledged). */
  status: string;
  imaging: boolean;
  consultationId: string;
  patientId: string;
  consultingHospitalId: string;
  signer: { id: string; name: string };
  signedAt: string;
  content: ReportContent;
  studyIds: string[];
  reportNumber?: string | null;
}

export const diagnosticReport = (r: SignedReportFacts, ref: Ref): DiagnosticReport => {
  const c = r.content;
  const conclusionCode = c.diagnoses.map((dx) => ({
    coding: [{ system: SYSTEMS.icd10, code: dx.code, display: dx.titleEn }],
    text: dx.titleZh,
  }));
  return {
    resourceType: 'DiagnosticReport',
    id: r.reportId,
    identifier: [
      { system: SYSTEMS.platformReport, value: `${r.reportId}/v${r.version}` },
      ...(r.reportNumber ? [{ value: r.reportNumber }] : []),
    ],
    basedOn: [{ reference: ref('ServiceRequest', r.consultationId) }],
    status: r.version > 1 ? 'amended' : 'final',
    category: [
      {
        coding: [
          {
            system: SYSTEMS.v2_0074,
            code: r.imaging ? 'RAD' : 'OTH',
            display: r.imaging ? 'Radiology' : 'Other',
          },
        ],
      },
    ],
    code: {
      coding: [
        r.imaging
          ? { system: SYSTEMS.loinc, code: '18748-4', display: 'Diagnostic imaging study' }
          : { system: SYSTEMS.loinc, code: '11488-4', display: 'Consult note' },
      ],
    },
    subject: { reference: ref('Patient', r.patientId) },
    effectiveDateTime: r.signedAt,
    issued: r.signedAt,
    performer: [{ reference: ref('Organization', r.consultingHospitalId) }],
    resultsInterpreter: [{ reference: ref('Practitioner', r.signer.id), display: r.signer.name }],
    ...(r.studyIds.length
      ? { imagingStudy: r.studyIds.map((id) => ({ reference: ref('ImagingStudy', id) })) }
      : {}),
    conclusion: [c.impression.trim(), c.findings.trim() ? `所见 Findings: ${c.findings.trim()}` : '']
      .filter(Boolean)
      .join('\n'),
    ...(conclusionCode.length ? { conclusionCode } : {}),
  };
};

/**
 * The signature of a report version: who signed what when, with the Ed25519 signature over the canonical payload
 * (verifiable with the public key at /api/reports/public-key).
 */
export const provenance = (
  r: Pick<SignedReportFacts, 'reportId' | 'version' | 'signer' | 'signedAt' | 'consultingHospitalId'>,
  signature: string,
  ref: Ref,
): Provenance => ({
  resourceType: 'Provenance',
  id: `${r.reportId}-v${r.version}`,
  target: [{ reference: ref('DiagnosticReport', r.reportId) }],
  recorded: r.signedAt,
  activity: {
    coding: [{ system: SYSTEMS.provenanceActivity, code: r.version > 1 ? 'UPDATE' : 'CREATE' }],
  },
  agent: [
    {
      who: { reference: ref('Practitioner', r.signer.id), display: r.signer.name },
      onBehalfOf: { reference: ref('Organization', r.consultingHospitalId) },
    },
  ],
  signature: [
    {
      type: [
        { system: SYSTEMS.signatureType, code: '1.2.840.10065.1.12.1.1', display: "Author's Signature" },
      ],
      when: r.signedAt,
      who: { reference: ref('Practitioner', r.signer.id) },
      sigFormat: 'application/octet-stream',
      data: Buffer.from(signature, /^[0-9a-f]+$/i.test(signature) ? 'hex' : 'base64').toString('base64'),
    },
  ],
});

export interface FollowUpFacts {
  id: string;
  date: string;
  notes: string;
  nextDueDate: string | null;
}
export interface CarePlanFacts {
  caseId: string;
  patientId: string;
  status: string;
  treatmentPlan: string;
  diagnosis: string;
  createdAt: string;
  followUps: FollowUpFacts[];
}
/** The follow-up plan of a case: past visits as completed activities, the next due date as a scheduled one. */
export const carePlan = (p: CarePlanFacts, ref: Ref): CarePlan => {
  const done: CarePlanActivity[] = p.followUps.map((f) => ({
    detail: {
      status: 'completed',
      scheduledString: f.date,
      description: f.notes || 'follow-up',
    },
  }));
  const next = p.followUps
    .map((f) => f.nextDueDate)
    .filter((d): d is string => !!d)
    .sort()
    .at(-1);
  const planned: CarePlanActivity[] =
    next && p.status !== 'resolved'
      ? [{ detail: { status: 'scheduled', scheduledPeriod: { start: next }, description: 'next follow-up' } }]
      : [];
  return {
    resourceType: 'CarePlan',
    id: p.caseId,
    status: p.status === 'resolved' ? 'completed' : 'active',
    intent: 'plan',
    title: `随访 Follow-up: ${p.diagnosis}`,
    ...(p.treatmentPlan ? { description: p.treatmentPlan } : {}),
    subject: { reference: ref('Patient', p.patientId) },
    period: { start: p.createdAt },
    addresses: [{ reference: ref('Condition', p.caseId) }],
    ...(done.length + planned.length ? { activity: [...done, ...planned] } : {}),
  };
};

export interface AuditFacts {
  seq: number;
  at: string;
  action: string;
  outcome: string;
  actorId: string | null;
  actorRole: string | null;
  hospitalId: string | null;
  entityType: string;
  entityId: string | null;
  ip: string | null;
}
const OUTCOME: Record<string, AuditEvent['outcome']> = { success: '0', failure: '8', denied: '4' };
export const auditEvent = (e: AuditFacts): AuditEvent => ({
  resourceType: 'AuditEvent',
  id: String(e.seq),
  type: { system: SYSTEMS.platformAudit, code: e.action },
  recorded: e.at,
  outcome: OUTCOME[e.outcome] ?? '8',
  agent: [
    {
      ...(e.actorRole ? { type: { text: e.actorRole } } : {}),
      who: e.actorId
        ? { identifier: { system: SYSTEMS.platformUser, value: e.actorId } }
        : { display: 'system' },
      requestor: true,
      ...(e.ip ? { network: { address: e.ip, type: '2' } } : {}),
    },
  ],
  source: { observer: { display: 'consult-platform' } },
  entity: [
    {
      what: { identifier: { value: e.entityId ?? e.entityType } },
      type: { system: 'urn:consult-platform:entity', code: e.entityType },
    },
  ],
});
