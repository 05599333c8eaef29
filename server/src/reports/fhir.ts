/**
 * FHIR R4 export of a signed report version: a `collection` Bundle with Patient, Practitioner (signer,
 * requester), Organization (both hospitals), ServiceRequest (the consultation), ImagingStudy (linked studies),
 * DiagnosticReport (the signed report) and Provenance (its signature) — built by the same mappers as the /fhir API
 * (server/src/fhir), with `urn:uuid:` references inside the Bundle.
 */
import crypto from 'node:crypto';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { ReportDocument } from './document';
import {
  bundleRef,
  imagingStudy,
  organization,
  patient,
  practitioner,
  serviceRequest,
} from '../fhir/mappers';
import { diagnosticReport, provenance } from '../fhir/mappers-report';

/** A name-based (v5-style, SHA-1) UUID, so an ImagingStudy gets a stable uuid from its Study Instance UID. */
export function uuidFromName(name: string): string {
  const h = crypto.createHash('sha1').update('consult-platform:').update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export function buildFhirBundle(d: ReportDocument, now = new Date()): Bundle {
  const p = d.payload;
  const ref = bundleRef;
  const entries: Resource[] = [organization(d.requesting)];
  if (d.consulting.id !== d.requesting.id) entries.push(organization(d.consulting));
  entries.push(
    patient(
      {
        id: d.patient.id,
        name: d.patient.name,
        sex: d.patient.sex,
        birthDate: d.patient.birthDate,
        hospitalId: d.requesting.id,
      },
      ref,
    ),
  );
  entries.push(practitioner(p.signer.id, p.signer.name));
  if (d.consultation.requesterId !== p.signer.id)
    entries.push(practitioner(d.consultation.requesterId, d.consultation.requesterName));
  entries.push(
    serviceRequest(
      {
        id: d.consultation.id,
        type: d.consultation.type,
        urgency: d.consultation.urgency,
        state: d.status === 'acknowledged' ? 'completed' : 'report_pending',
        clinicalQuestion: d.consultation.clinicalQuestion,
        submittedAt: d.consultation.submittedAt,
        patientId: d.patient.id,
        requesterId: d.consultation.requesterId,
        requesterName: d.consultation.requesterName,
        targetHospitalId: d.consulting.id,
      },
      ref,
    ),
  );
  const studyIds = d.studies.map((s) => uuidFromName(`study:${s.studyInstanceUid}`));
  d.studies.forEach((s, i) =>
    entries.push(
      imagingStudy(
        {
          id: studyIds[i]!,
          studyInstanceUid: s.studyInstanceUid,
          subject: { patientId: d.patient.id },
          started: s.started,
          description: s.description,
          numberOfSeries: s.numberOfSeries,
          numberOfInstances: s.numberOfInstances,
          series: [],
          basedOn: [d.consultation.id],
        },
        ref,
      ),
    ),
  );
  // The export names modalities at study level (the document has no series list).
  d.studies.forEach((s, i) => {
    const res = entries.find((e) => e.id === studyIds[i]) as { modality?: unknown };
    if (s.modality)
      res.modality = [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: s.modality }];
  });
  const facts = {
    reportId: d.reportId,
    version: p.version,
    status: d.status,
    imaging: d.consultation.type === 'remote_image_diagnosis',
    consultationId: d.consultation.id,
    patientId: d.patient.id,
    consultingHospitalId: d.consulting.id,
    signer: { id: p.signer.id, name: p.signer.name },
    signedAt: p.signedAt,
    content: p.content,
    studyIds,
    reportNumber: d.reportNumber ?? null,
  };
  entries.push(diagnosticReport(facts, ref));
  entries.push(provenance(facts, d.signature, ref));
  return {
    resourceType: 'Bundle',
    id: `${d.reportId}-v${p.version}`,
    type: 'collection',
    timestamp: now.toISOString(),
    entry: entries.map((r) => ({ fullUrl: ref(r.resourceType, r.id!), resource: r })),
  };
}
