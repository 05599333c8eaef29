/**
 * Platform data → FHIR R4 resources (@medplum/fhirtypes), one mapper per resource, used by the /fhir API and by
 * the report's export Bundle alike. Mappers are pure: they take plain facts and a `ref` that writes a reference
 * (`Patient/<id>` in the API, `urn:uuid:<id>` inside a Bundle).
 */
import type {
  Condition,
  ImagingStudy,
  Organization,
  Patient,
  Practitioner,
  Reference,
  ServiceRequest,
} from '@medplum/fhirtypes';
import type { ConsultationState } from '@consult/shared';

export const SYSTEMS = {
  icd10: 'http://hl7.org/fhir/sid/icd-10',
  loinc: 'http://loinc.org',
  snomed: 'http://snomed.info/sct',
  dicomUid: 'urn:dicom:uid',
  dicomDcm: 'http://dicom.nema.org/resources/ontology/DCM',
  v2_0074: 'http://terminology.hl7.org/CodeSystem/v2-0074',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  conditionCategory: 'http://terminology.hl7.org/CodeSystem/condition-category',
  endpointConnection: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type',
  provenanceActivity: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation',
  signatureType: 'urn:iso-astm:E1762-95:2013',
  platformUser: 'urn:consult-platform:user',
  platformHospital: 'urn:consult-platform:hospital',
  platformPatient: 'urn:consult-platform:patient',
  platformConsultation: 'urn:consult-platform:consultation',
  platformReport: 'urn:consult-platform:report',
  platformAudit: 'urn:consult-platform:audit-action',
} as const;

/** Writes a reference to `type`/`id`: relative in the API, urn:uuid inside a Bundle. */
export type Ref = (type: string, id: string) => string;
export const apiRef: Ref = (type, id) => `${type}/${id}`;
export const bundleRef: Ref = (_type, id) => `urn:uuid:${id}`;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a reference typed by its target at the use site
const reference = (ref: Ref, type: string, id: string, display?: string): Reference<any> => ({
  reference: ref(type, id),
  ...(display ? { display } : {}),
});

const GENDER: Record<string, Patient['gender']> = { male: 'male', female: 'female', unknown: 'unknown' };

export interface HospitalFacts {
  id: string;
  nameZh: string;
  nameEn: string;
  region: string;
}
export const organization = (h: HospitalFacts): Organization => ({
  resourceType: 'Organization',
  id: h.id,
  identifier: [{ system: SYSTEMS.platformHospital, value: h.id }],
  active: true,
  name: h.nameZh,
  alias: [h.nameEn],
  address: [{ text: h.region }],
});

export const practitioner = (id: string, name: string): Practitioner => ({
  resourceType: 'Practitioner',
  id,
  identifier: [{ system: SYSTEMS.platformUser, value: id }],
  active: true,
  name: [{ text: name }],
});

export interface PatientFacts {
  id: string;
  name: string;
  sex: string;
  birthDate: string;
  hospitalId: string;
  recordNumber?: string | null;
}
export const patient = (p: PatientFacts, ref: Ref): Patient => ({
  resourceType: 'Patient',
  id: p.id,
  identifier: [
    { system: SYSTEMS.platformPatient, value: p.id },
    ...(p.recordNumber
      ? [
          {
            type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] },
            value: p.recordNumber,
          },
        ]
      : []),
  ],
  name: [{ text: p.name }],
  gender: GENDER[p.sex] ?? 'unknown',
  birthDate: p.birthDate,
  managingOrganization: reference(ref, 'Organization', p.hospitalId),
});

export interface CaseFacts {
  id: string;
  patientId: string;
  diagnosis: string;
  icd10: string;
  status: string;
  createdAt: string;
}
/** A per-disease case of the patient file. */
export const condition = (c: CaseFacts, ref: Ref): Condition => ({
  resourceType: 'Condition',
  id: c.id,
  clinicalStatus: {
    coding: [{ system: SYSTEMS.conditionClinical, code: c.status === 'resolved' ? 'resolved' : 'active' }],
  },
  category: [{ coding: [{ system: SYSTEMS.conditionCategory, code: 'problem-list-item' }] }],
  code: {
    ...(c.icd10 ? { coding: [{ system: SYSTEMS.icd10, code: c.icd10 }] } : {}),
    text: c.diagnosis,
  },
  subject: reference(ref, 'Patient', c.patientId),
  recordedDate: c.createdAt,
  ...(c.status === 'chronic' ? { note: [{ text: 'chronic' }] } : {}),
});

/** Consultation state → ServiceRequest.status (and back, for searches). */
export const SERVICE_REQUEST_STATUS: Record<ConsultationState, ServiceRequest['status']> = {
  draft: 'draft',
  submitted: 'active',
  triaged: 'active',
  accepted: 'active',
  scheduled: 'active',
  in_progress: 'active',
  report_pending: 'active',
  returned_for_information: 'on-hold',
  completed: 'completed',
  declined: 'revoked',
  cancelled: 'revoked',
};
const PRIORITY: Record<string, ServiceRequest['priority']> = {
  routine: 'routine',
  urgent: 'urgent',
  emergency: 'stat',
};

export interface ConsultationFacts {
  id: string;
  type: string;
  urgency: string;
  state: ConsultationState;
  clinicalQuestion: string;
  submittedAt: string | null;
  patientId: string;
  caseId?: string;
  requesterId: string;
  requesterName: string;
  targetHospitalId: string;
}
export const serviceRequest = (c: ConsultationFacts, ref: Ref): ServiceRequest => {
  const imaging = c.type === 'remote_image_diagnosis';
  return {
    resourceType: 'ServiceRequest',
    id: c.id,
    identifier: [{ system: SYSTEMS.platformConsultation, value: c.id }],
    status: SERVICE_REQUEST_STATUS[c.state] ?? 'unknown',
    intent: 'order',
    priority: PRIORITY[c.urgency] ?? 'routine',
    code: {
      coding: [
        imaging
          ? { system: SYSTEMS.snomed, code: '363679005', display: 'Imaging' }
          : { system: SYSTEMS.snomed, code: '11429006', display: 'Consultation' },
      ],
      text: imaging ? '远程影像诊断 Remote image diagnosis' : '远程会诊 Remote consultation',
    },
    subject: reference(ref, 'Patient', c.patientId),
    ...(c.caseId ? { reasonReference: [reference(ref, 'Condition', c.caseId)] } : {}),
    ...(c.submittedAt ? { authoredOn: c.submittedAt } : {}),
    requester: reference(ref, 'Practitioner', c.requesterId, c.requesterName),
    performer: [reference(ref, 'Organization', c.targetHospitalId)],
    ...(c.clinicalQuestion ? { note: [{ text: c.clinicalQuestion }] } : {}),
  };
};

export interface StudyFacts {
  id: string;
  studyInstanceUid: string;
  /** The platform patient (a case's) or, for a hospital's own study, the DICOM patient as an identifier. */
  subject: { patientId: string } | { dicomPatientId: string; name: string };
  started: string | null;
  description: string | null;
  numberOfSeries: number;
  numberOfInstances: number;
  series: { uid: string; modality: string; number: number | null; description: string; instances: number }[];
  basedOn?: string[];
  /** The DICOMweb base URL (WADO-RS/QIDO-RS) where the study is retrieved; a contained Endpoint. */
  dicomweb?: string;
}
export const imagingStudy = (s: StudyFacts, ref: Ref): ImagingStudy => {
  const modalities = [...new Set(s.series.map((x) => x.modality).filter(Boolean))];
  return {
    resourceType: 'ImagingStudy',
    id: s.id,
    ...(s.dicomweb
      ? {
          contained: [
            {
              resourceType: 'Endpoint',
              id: 'dicomweb',
              status: 'active',
              connectionType: { system: SYSTEMS.endpointConnection, code: 'dicom-wado-rs' },
              payloadType: [{ text: 'DICOM' }],
              payloadMimeType: ['application/dicom'],
              address: s.dicomweb,
            },
          ],
          endpoint: [{ reference: '#dicomweb' }],
        }
      : {}),
    identifier: [{ system: SYSTEMS.dicomUid, value: `urn:oid:${s.studyInstanceUid}` }],
    status: 'available',
    ...(modalities.length
      ? { modality: modalities.map((code) => ({ system: SYSTEMS.dicomDcm, code })) }
      : {}),
    subject:
      'patientId' in s.subject
        ? reference(ref, 'Patient', s.subject.patientId)
        : { identifier: { value: s.subject.dicomPatientId }, display: s.subject.name },
    ...(s.started ? { started: s.started } : {}),
    ...(s.basedOn?.length ? { basedOn: s.basedOn.map((id) => reference(ref, 'ServiceRequest', id)) } : {}),
    numberOfSeries: s.numberOfSeries,
    numberOfInstances: s.numberOfInstances,
    ...(s.description ? { description: s.description } : {}),
    ...(s.series.length
      ? {
          series: s.series.map((x) => ({
            uid: x.uid,
            ...(x.number !== null ? { number: x.number } : {}),
            modality: { system: SYSTEMS.dicomDcm, code: x.modality || 'OT' },
            ...(x.description ? { description: x.description } : {}),
            numberOfInstances: x.instances,
          })),
        }
      : {}),
  };
};
