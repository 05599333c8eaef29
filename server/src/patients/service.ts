import crypto from 'node:crypto';
import {
  can,
  Permission,
  type CaseCreate,
  type CaseUpdate,
  checkNationalId,
  nationalIdBirthDate,
  type FollowUp,
  type Patient,
  type PatientCase,
  type PatientCreate,
  type PatientDetail,
  type PatientPage,
  type PatientQuery,
  type PatientUpdate,
} from '@consult/shared';
import type { DB, Executor } from '../db/database';
import type { Actor } from '../auth/actor';
import type { CaseFollowUpRow, PatientRow } from '../consultations/tables';
import { recordAudit } from '../audit/service';
import { auditRead } from '../consultations/read-audit';
import { badRequest, DomainError, forbidden, notFound } from '../errors';
import * as q from './queries';

/** Patient files: a county hospital owns them; consultants read them through a request (read-only). */

/** 410*********1234: area prefix and last four, the rest hidden. */
export function maskNationalId(id: string): string {
  return id.length <= 7
    ? '*'.repeat(id.length)
    : `${id.slice(0, 3)}${'*'.repeat(id.length - 7)}${id.slice(-4)}`;
}

const owns = (actor: Actor, r: Pick<PatientRow, 'hospital_id'>) =>
  actor.role === 'county_doctor' && actor.hospitalId === r.hospital_id;

export function toPatient(actor: Actor, r: PatientRow): Patient {
  const full = owns(actor, r) && can(actor.role, Permission.PatientsReadNationalId);
  return {
    id: r.id,
    hospitalId: r.hospital_id,
    name: r.name,
    sex: r.sex,
    birthDate: r.birth_date,
    nationalId: r.national_id ? (full ? r.national_id : maskNationalId(r.national_id)) : null,
    phone: r.phone,
    address: r.address,
    village: r.village,
    povertyRegistered: r.poverty_registered,
    insuranceType: r.insurance_type,
    recordNumber: r.record_number,
    editable: owns(actor, r),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function uniqueClash(err: unknown, what: string, field: string): never {
  const e = err as { code?: string; constraint?: string; message?: string };
  if (e.code === '23505') {
    if (`${e.constraint ?? ''} ${e.message ?? ''}`.includes('record_number'))
      throw new DomainError(
        'conflict',
        'a patient file with this record number already exists',
        '/body/recordNumber',
      );
    throw new DomainError('conflict', `${what} already exists`, field);
  }
  throw err;
}

export async function listPatients(db: DB, actor: Actor, query: PatientQuery): Promise<PatientPage> {
  const { rows, total } = await q.listPatients(db, actor, query);
  auditRead(db, {
    actor,
    action: 'patient.list',
    entityType: 'patient',
    ip: actor.ip,
    detail: { count: rows.length },
  });
  return {
    items: rows.map((r) => ({
      ...toPatient(actor, r),
      chronic: !!r.chronic,
      overdueFollowUp: !!r.overdue,
      caseCount: Number(r.case_count),
    })),
    total,
  };
}

export function toFollowUp(f: CaseFollowUpRow & { display_name: string }): FollowUp {
  return {
    id: f.id,
    caseId: f.case_id,
    kind: f.kind,
    date: f.follow_up_date,
    byUserId: f.by_user_id,
    byName: f.display_name,
    notes: f.notes,
    systolic: f.systolic,
    diastolic: f.diastolic,
    glucose: f.glucose,
    weight: f.weight,
    symptoms: f.symptoms,
    adherence: f.adherence,
    nextDueDate: f.next_due_date,
    reportId: f.report_id,
    reportNumber: f.report_number,
    reportVersion: f.report_version,
    reportDiagnosis: f.report_diagnosis,
    createdAt: f.created_at.toISOString(),
  };
}

async function loadCases(db: Executor, patientId: string): Promise<PatientCase[]> {
  const cases = await q.casesOf(db, patientId);
  const fus = await q.followUpsOf(
    db,
    cases.map((c) => c.id),
  );
  return cases.map((c) => ({
    id: c.id,
    patientId: c.patient_id,
    diagnosis: c.diagnosis,
    icd10: c.icd10,
    status: c.status,
    treatmentPlan: c.treatment_plan,
    nextFollowUpDue: c.next_due,
    followUps: fus.filter((f) => f.case_id === c.id).map(toFollowUp),
    createdAt: c.created_at.toISOString(),
    updatedAt: c.updated_at.toISOString(),
  }));
}

export async function getPatient(db: DB, actor: Actor, id: string, audit = true): Promise<PatientDetail> {
  const row = await q.findPatient(db, actor, id);
  if (!row) throw notFound('patient');
  const cases = await loadCases(db, id);
  if (audit)
    auditRead(db, { actor, action: 'patient.read', entityType: 'patient', entityId: id, ip: actor.ip });
  return { ...toPatient(actor, row), cases };
}

function checkBirthDate(d: string | undefined) {
  if (d && (Number.isNaN(Date.parse(d)) || d > new Date().toISOString().slice(0, 10)))
    throw badRequest('birth date must be a real date, not in the future', '/body/birthDate');
}

const ID_FAULTS = {
  format: 'the national ID must be 17 digits followed by a digit or X',
  birth_date: 'the national ID does not encode a valid birth date',
  check_digit: 'the national ID check digit is wrong (GB 11643-1999)',
} as const;

/** A new or changed resident ID number: valid (GB 11643-1999) and agreeing with the birth date. */
function checkIdNumber(id: string | null | undefined, birthDate: string) {
  if (!id) return;
  const fault = checkNationalId(id);
  if (fault) throw badRequest(ID_FAULTS[fault], '/body/nationalId');
  checkIdBirthDate(id, birthDate);
}

function checkIdBirthDate(id: string, birthDate: string) {
  if (nationalIdBirthDate(id) !== birthDate)
    throw badRequest('the birth date in the national ID differs from the birth date', '/body/nationalId');
}

export async function createPatient(db: DB, actor: Actor, body: PatientCreate): Promise<PatientDetail> {
  if (actor.role !== 'county_doctor' || !actor.hospitalId)
    throw forbidden('only county doctors create patient files');
  checkBirthDate(body.birthDate);
  checkIdNumber(body.nationalId, body.birthDate);
  const id = crypto.randomUUID();
  try {
    await db.transaction().execute(async (trx) => {
      await q.insertPatient(trx, {
        id,
        hospital_id: actor.hospitalId!,
        name: body.name.trim(),
        sex: body.sex,
        birth_date: body.birthDate,
        national_id: body.nationalId ? body.nationalId.toUpperCase() : null,
        phone: body.phone ?? null,
        address: body.address ?? null,
        village: body.village ?? null,
        poverty_registered: body.povertyRegistered ?? false,
        insurance_type: body.insuranceType ?? 'urban_rural_resident',
        record_number: body.recordNumber?.trim() || null,
        created_by: actor.id,
      });
      await recordAudit(trx, {
        actor,
        action: 'patient.create',
        entityType: 'patient',
        entityId: id,
        ip: actor.ip,
      });
    });
  } catch (e) {
    uniqueClash(e, 'a patient file with this national ID', '/body/nationalId');
  }
  return getPatient(db, actor, id, false);
}

export async function loadOwned(db: Executor, actor: Actor, id: string): Promise<PatientRow> {
  const row = await q.findPatient(db, actor, id);
  if (!row) throw notFound('patient');
  if (!owns(actor, row))
    throw forbidden('the patient file belongs to the county hospital; it is read-only here');
  return row;
}

export async function updatePatient(
  db: DB,
  actor: Actor,
  id: string,
  body: PatientUpdate,
): Promise<PatientDetail> {
  if (Object.keys(body).length === 0) throw badRequest('nothing to update');
  checkBirthDate(body.birthDate);
  const before = await loadOwned(db, actor, id);
  if (body.nationalId) checkIdNumber(body.nationalId, body.birthDate ?? before.birth_date);
  else if (body.birthDate && before.national_id?.length === 18 && body.nationalId === undefined)
    checkIdBirthDate(before.national_id, body.birthDate);
  try {
    await db.transaction().execute(async (trx) => {
      await q.updatePatient(trx, id, {
        ...(body.name !== undefined && { name: body.name.trim() }),
        ...(body.sex !== undefined && { sex: body.sex }),
        ...(body.birthDate !== undefined && { birth_date: body.birthDate }),
        ...(body.nationalId !== undefined && {
          national_id: body.nationalId ? body.nationalId.toUpperCase() : null,
        }),
        ...(body.phone !== undefined && { phone: body.phone }),
        ...(body.address !== undefined && { address: body.address }),
        ...(body.village !== undefined && { village: body.village }),
        ...(body.povertyRegistered !== undefined && { poverty_registered: body.povertyRegistered }),
        ...(body.insuranceType !== undefined && { insurance_type: body.insuranceType }),
        ...(body.recordNumber !== undefined && { record_number: body.recordNumber?.trim() || null }),
        updated_at: new Date(),
      });
      await recordAudit(trx, {
        actor,
        action: 'patient.update',
        entityType: 'patient',
        entityId: id,
        ip: actor.ip,
      });
    });
  } catch (e) {
    uniqueClash(e, 'a patient file with this national ID', '/body/nationalId');
  }
  return getPatient(db, actor, id, false);
}

export async function createCase(
  db: DB,
  actor: Actor,
  patientId: string,
  body: CaseCreate,
): Promise<PatientDetail> {
  await loadOwned(db, actor, patientId);
  const id = crypto.randomUUID();
  try {
    await db.transaction().execute(async (trx) => {
      await q.insertCase(trx, {
        id,
        patient_id: patientId,
        diagnosis: body.diagnosis.trim(),
        icd10: body.icd10.toUpperCase(),
        status: body.status ?? 'active',
        treatment_plan: body.treatmentPlan ?? '',
        created_by: actor.id,
      });
      await q.updatePatient(trx, patientId, { updated_at: new Date() });
      await recordAudit(trx, {
        actor,
        action: 'patient.case.create',
        entityType: 'patient',
        entityId: patientId,
        ip: actor.ip,
        detail: { caseId: id },
      });
    });
  } catch (e) {
    uniqueClash(e, `a case for ${body.icd10} (one disease, one case file)`, '/body/icd10');
  }
  return getPatient(db, actor, patientId, false);
}

export async function updateCase(
  db: DB,
  actor: Actor,
  patientId: string,
  caseId: string,
  body: CaseUpdate,
): Promise<PatientDetail> {
  if (Object.keys(body).length === 0) throw badRequest('nothing to update');
  await loadOwned(db, actor, patientId);
  try {
    await db.transaction().execute(async (trx) => {
      const updated = await q.updateCase(trx, patientId, caseId, {
        ...(body.diagnosis !== undefined && { diagnosis: body.diagnosis.trim() }),
        ...(body.icd10 !== undefined && { icd10: body.icd10.toUpperCase() }),
        ...(body.status !== undefined && { status: body.status }),
        ...(body.treatmentPlan !== undefined && { treatment_plan: body.treatmentPlan }),
        updated_at: new Date(),
      });
      if (!updated) throw notFound('case');
      await recordAudit(trx, {
        actor,
        action: 'patient.case.update',
        entityType: 'patient',
        entityId: patientId,
        ip: actor.ip,
        detail: { caseId },
      });
    });
  } catch (e) {
    uniqueClash(e, `a case for ${body.icd10}`, '/body/icd10');
  }
  return getPatient(db, actor, patientId, false);
}
