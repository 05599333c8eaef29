/**
 * FHIR R4 export: a `collection` Bundle with Patient, Practitioner (signer, requester), Organization (both
 * hospitals), ServiceRequest (the consultation request), ImagingStudy (linked studies) and DiagnosticReport (the
 * signed report: status, conclusion, ICD-10 conclusionCode). References are `urn:uuid:` full URLs inside the bundle.
 */
import crypto from 'node:crypto';
import type { ReportDocument } from './document';

export const SYSTEMS = {
  icd10: 'http://hl7.org/fhir/sid/icd-10',
  loinc: 'http://loinc.org',
  snomed: 'http://snomed.info/sct',
  dicomUid: 'urn:dicom:uid',
  dicomDcm: 'http://dicom.nema.org/resources/ontology/DCM',
  v2_0074: 'http://terminology.hl7.org/CodeSystem/v2-0074',
  platformUser: 'urn:consult-platform:user',
  platformHospital: 'urn:consult-platform:hospital',
  platformPatient: 'urn:consult-platform:patient',
  platformConsultation: 'urn:consult-platform:consultation',
  platformReport: 'urn:consult-platform:report',
} as const;

export type FhirResource = { resourceType: string; id: string } & Record<string, unknown>;
export interface FhirBundle {
  resourceType: 'Bundle';
  id: string;
  type: 'collection';
  timestamp: string;
  entry: { fullUrl: string; resource: FhirResource }[];
}

const urn = (id: string) => `urn:uuid:${id}`;
/** A name-based (v5-style, SHA-1) UUID, so an ImagingStudy gets a stable uuid from its Study Instance UID. */
export function uuidFromName(name: string): string {
  const h = crypto.createHash('sha1').update('consult-platform:').update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
const PRIORITY: Record<string, string> = { routine: 'routine', urgent: 'urgent', emergency: 'stat' };
const GENDER: Record<string, string> = { male: 'male', female: 'female', unknown: 'unknown' };

export function buildFhirBundle(d: ReportDocument, now = new Date()): FhirBundle {
  const p = d.payload;
  const c = p.content;
  const imaging = d.consultation.type === 'remote_image_diagnosis';
  const entries: FhirResource[] = [];

  const org = (h: ReportDocument['requesting']): FhirResource => ({
    resourceType: 'Organization',
    id: h.id,
    identifier: [{ system: SYSTEMS.platformHospital, value: h.id }],
    active: true,
    name: h.nameZh,
    alias: [h.nameEn],
    address: [{ text: h.region }],
  });
  entries.push(org(d.requesting));
  if (d.consulting.id !== d.requesting.id) entries.push(org(d.consulting));

  entries.push({
    resourceType: 'Patient',
    id: d.patient.id,
    identifier: [{ system: SYSTEMS.platformPatient, value: d.patient.id }],
    name: [{ text: d.patient.name }],
    gender: GENDER[d.patient.sex] ?? 'unknown',
    birthDate: d.patient.birthDate,
    managingOrganization: { reference: urn(d.requesting.id) },
  });

  const practitioner = (id: string, name: string): FhirResource => ({
    resourceType: 'Practitioner',
    id,
    identifier: [{ system: SYSTEMS.platformUser, value: id }],
    active: true,
    name: [{ text: name }],
  });
  entries.push(practitioner(p.signer.id, p.signer.name));
  if (d.consultation.requesterId !== p.signer.id)
    entries.push(practitioner(d.consultation.requesterId, d.consultation.requesterName));

  entries.push({
    resourceType: 'ServiceRequest',
    id: d.consultation.id,
    identifier: [{ system: SYSTEMS.platformConsultation, value: d.consultation.id }],
    status: d.status === 'acknowledged' ? 'completed' : 'active',
    intent: 'order',
    priority: PRIORITY[d.consultation.urgency] ?? 'routine',
    code: {
      coding: [
        imaging
          ? { system: SYSTEMS.snomed, code: '363679005', display: 'Imaging' }
          : { system: SYSTEMS.snomed, code: '11429006', display: 'Consultation' },
      ],
      text: imaging ? '远程影像诊断 Remote image diagnosis' : '远程会诊 Remote consultation',
    },
    subject: { reference: urn(d.patient.id) },
    ...(d.consultation.submittedAt ? { authoredOn: d.consultation.submittedAt } : {}),
    requester: { reference: urn(d.consultation.requesterId) },
    performer: [{ reference: urn(d.consulting.id) }],
    note: [{ text: d.consultation.clinicalQuestion }],
  });

  const studyIds: string[] = [];
  for (const s of d.studies) {
    const id = uuidFromName(`study:${s.studyInstanceUid}`);
    studyIds.push(id);
    entries.push({
      resourceType: 'ImagingStudy',
      id,
      identifier: [{ system: SYSTEMS.dicomUid, value: `urn:oid:${s.studyInstanceUid}` }],
      status: 'available',
      ...(s.modality ? { modality: [{ system: SYSTEMS.dicomDcm, code: s.modality }] } : {}),
      subject: { reference: urn(d.patient.id) },
      ...(s.started ? { started: s.started } : {}),
      basedOn: [{ reference: urn(d.consultation.id) }],
      numberOfSeries: s.numberOfSeries,
      numberOfInstances: s.numberOfInstances,
      ...(s.description ? { description: s.description } : {}),
    });
  }

  const conclusionCode = c.diagnoses.map((dx) => ({
    coding: [{ system: SYSTEMS.icd10, code: dx.code, display: dx.titleEn }],
    text: dx.titleZh,
  }));
  entries.push({
    resourceType: 'DiagnosticReport',
    id: d.reportId,
    identifier: [{ system: SYSTEMS.platformReport, value: `${d.reportId}/v${p.version}` }],
    basedOn: [{ reference: urn(d.consultation.id) }],
    status: p.version > 1 ? 'amended' : 'final',
    category: [
      {
        coding: [
          {
            system: SYSTEMS.v2_0074,
            code: imaging ? 'RAD' : 'OTH',
            display: imaging ? 'Radiology' : 'Other',
          },
        ],
      },
    ],
    code: {
      coding: [
        imaging
          ? { system: SYSTEMS.loinc, code: '18748-4', display: 'Diagnostic imaging study' }
          : { system: SYSTEMS.loinc, code: '11488-4', display: 'Consult note' },
      ],
    },
    subject: { reference: urn(d.patient.id) },
    effectiveDateTime: p.signedAt,
    issued: p.signedAt,
    performer: [{ reference: urn(d.consulting.id) }],
    resultsInterpreter: [{ reference: urn(p.signer.id) }],
    ...(studyIds.length ? { imagingStudy: studyIds.map((id) => ({ reference: urn(id) })) } : {}),
    conclusion: [c.impression.trim(), c.findings.trim() ? `所见 Findings: ${c.findings.trim()}` : '']
      .filter(Boolean)
      .join('\n'),
    ...(conclusionCode.length ? { conclusionCode } : {}),
  });

  return {
    resourceType: 'Bundle',
    id: `${d.reportId}-v${p.version}`,
    type: 'collection',
    timestamp: now.toISOString(),
    entry: entries.map((r) => ({ fullUrl: urn(r.id), resource: r })),
  };
}
