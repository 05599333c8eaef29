import crypto from 'node:crypto';
import type {
  Department,
  DepartmentCreate,
  Hospital,
  HospitalCreate,
  HospitalUpdate,
  Pairing,
  PairingCreate,
  PairingUpdate,
  User,
  UserCreate,
  UserQuery,
  UserUpdate,
} from '@consult/shared';
import { isClinical } from '@consult/shared';
import type { DB, Executor } from '../db/database';
import type { DepartmentRow, HospitalRow, PairingRow, UserRow } from '../db/tables';
import type { Actor } from '../auth/actor';
import { recordAudit } from '../audit/service';
import { hashPassword } from '../auth/password';
import { deleteUserSessions } from '../auth/queries';
import { checkNewPassword } from '../auth/password-policy';
import type { SecurityConfig } from '../config';
import { badRequest, conflict, DomainError, notFound } from '../errors';
import * as q from './queries';

export const toHospital = (r: HospitalRow): Hospital => ({
  id: r.id,
  nameZh: r.name_zh,
  nameEn: r.name_en,
  tier: r.tier,
  region: r.region,
  createdAt: r.created_at.toISOString(),
});
const toDepartment = (r: DepartmentRow): Department => ({
  id: r.id,
  hospitalId: r.hospital_id,
  nameZh: r.name_zh,
  nameEn: r.name_en,
});
const toPairing = (r: PairingRow): Pairing => ({
  id: r.id,
  tertiaryHospitalId: r.tertiary_hospital_id,
  countyHospitalId: r.county_hospital_id,
  programName: r.program_name,
  since: r.since,
  active: r.active,
});
type UserListRow = Omit<UserRow, 'password_hash' | 'failed_logins' | 'locked_until'>;
export const toUser = (r: UserListRow): User => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  role: r.role,
  hospitalId: r.hospital_id,
  departmentId: r.department_id,
  locale: r.locale,
  disabled: r.disabled,
  createdAt: r.created_at.toISOString(),
});

/** Clinical users see their own hospital and its pairing partners; administrators see the whole network. */
export async function scopeFor(db: Executor, actor: Actor): Promise<q.HospitalScope> {
  if (!isClinical(actor.role)) return { visible: null };
  if (!actor.hospitalId) return { visible: [] };
  return { visible: [actor.hospitalId, ...(await q.pairedHospitalIds(db, actor.hospitalId))] };
}

/** Postgres unique violation → 409 naming what clashed. */
function uniqueClash(err: unknown, what: string): never {
  if ((err as { code?: string }).code === '23505') throw conflict(`${what} already exists`);
  throw err;
}

export async function listHospitals(db: DB, actor: Actor): Promise<Hospital[]> {
  return (await q.listHospitals(db, await scopeFor(db, actor))).map(toHospital);
}

export async function getHospital(db: DB, actor: Actor, id: string): Promise<Hospital> {
  const row = await q.findHospital(db, await scopeFor(db, actor), id);
  if (!row) throw notFound('hospital');
  return toHospital(row);
}

export async function createHospital(db: DB, actor: Actor, body: HospitalCreate): Promise<Hospital> {
  const id = crypto.randomUUID();
  try {
    return await db.transaction().execute(async (trx) => {
      const row = await q.insertHospital(trx, {
        id,
        name_zh: body.nameZh,
        name_en: body.nameEn,
        tier: body.tier,
        region: body.region,
      });
      await recordAudit(trx, {
        actor,
        action: 'hospital.create',
        entityType: 'hospital',
        entityId: id,
        ip: actor.ip,
      });
      return toHospital(row);
    });
  } catch (e) {
    uniqueClash(e, `a hospital named "${body.nameZh}"`);
  }
}

export async function updateHospital(
  db: DB,
  actor: Actor,
  id: string,
  body: HospitalUpdate,
): Promise<Hospital> {
  if (Object.keys(body).length === 0) throw badRequest('nothing to update');
  try {
    return await db.transaction().execute(async (trx) => {
      const row = await q.updateHospital(trx, id, {
        ...(body.nameZh !== undefined && { name_zh: body.nameZh }),
        ...(body.nameEn !== undefined && { name_en: body.nameEn }),
        ...(body.tier !== undefined && { tier: body.tier }),
        ...(body.region !== undefined && { region: body.region }),
      });
      if (!row) throw notFound('hospital');
      await recordAudit(trx, {
        actor,
        action: 'hospital.update',
        entityType: 'hospital',
        entityId: id,
        ip: actor.ip,
      });
      return toHospital(row);
    });
  } catch (e) {
    uniqueClash(e, `a hospital named "${body.nameZh}"`);
  }
}

export async function listDepartments(db: DB, actor: Actor, hospitalId: string): Promise<Department[]> {
  await getHospital(db, actor, hospitalId);
  return (await q.listDepartments(db, hospitalId)).map(toDepartment);
}

export async function createDepartment(
  db: DB,
  actor: Actor,
  hospitalId: string,
  body: DepartmentCreate,
): Promise<Department> {
  await getHospital(db, actor, hospitalId);
  const id = crypto.randomUUID();
  try {
    return await db.transaction().execute(async (trx) => {
      const row = await q.insertDepartment(trx, {
        id,
        hospital_id: hospitalId,
        name_zh: body.nameZh,
        name_en: body.nameEn,
      });
      await recordAudit(trx, {
        actor,
        action: 'department.create',
        entityType: 'department',
        entityId: id,
        ip: actor.ip,
      });
      return toDepartment(row);
    });
  } catch (e) {
    uniqueClash(e, `department "${body.nameZh}" in this hospital`);
  }
}

export async function listPairings(db: DB, actor: Actor): Promise<Pairing[]> {
  return (await q.listPairings(db, await scopeFor(db, actor))).map(toPairing);
}

export async function createPairing(db: DB, actor: Actor, body: PairingCreate): Promise<Pairing> {
  const [t, c] = await Promise.all([
    q.findHospital(db, { visible: null }, body.tertiaryHospitalId),
    q.findHospital(db, { visible: null }, body.countyHospitalId),
  ]);
  if (!t) throw badRequest('tertiary hospital does not exist', 'tertiaryHospitalId');
  if (!c) throw badRequest('county hospital does not exist', 'countyHospitalId');
  if (t.tier !== 'tertiary')
    throw badRequest(`${t.name_en} is not a tertiary hospital`, 'tertiaryHospitalId');
  if (c.tier !== 'county') throw badRequest(`${c.name_en} is not a county hospital`, 'countyHospitalId');
  const id = crypto.randomUUID();
  try {
    return await db.transaction().execute(async (trx) => {
      const row = await q.insertPairing(trx, {
        id,
        tertiary_hospital_id: t.id,
        county_hospital_id: c.id,
        program_name: body.programName,
        since: body.since,
      });
      await recordAudit(trx, {
        actor,
        action: 'pairing.create',
        entityType: 'pairing',
        entityId: id,
        ip: actor.ip,
      });
      return toPairing(row);
    });
  } catch (e) {
    uniqueClash(e, `a pairing of ${t.name_en} with ${c.name_en}`);
  }
}

export async function updatePairing(db: DB, actor: Actor, id: string, body: PairingUpdate): Promise<Pairing> {
  if (Object.keys(body).length === 0) throw badRequest('nothing to update');
  return db.transaction().execute(async (trx) => {
    const row = await q.updatePairing(trx, id, {
      ...(body.programName !== undefined && { program_name: body.programName }),
      ...(body.active !== undefined && { active: body.active }),
    });
    if (!row) throw notFound('pairing');
    await recordAudit(trx, {
      actor,
      action: 'pairing.update',
      entityType: 'pairing',
      entityId: id,
      ip: actor.ip,
    });
    return toPairing(row);
  });
}

export async function listUsers(db: DB, query: UserQuery): Promise<User[]> {
  return (await q.listUsers(db, query)).map(toUser);
}

async function checkPlacement(
  db: Executor,
  role: string,
  hospitalId: string | null,
  departmentId: string | null,
) {
  const clinical = isClinical(role as User['role']);
  if (clinical && !hospitalId) throw badRequest(`a ${role} must belong to a hospital`, 'hospitalId');
  if (hospitalId) {
    const h = await q.findHospital(db, { visible: null }, hospitalId);
    if (!h) throw badRequest('hospital does not exist', 'hospitalId');
    if (role === 'county_doctor' && h.tier !== 'county')
      throw badRequest('a county doctor belongs to a county hospital', 'hospitalId');
    if ((role === 'specialist' || role === 'radiologist') && h.tier !== 'tertiary') {
      throw badRequest(`a ${role} belongs to a tertiary hospital`, 'hospitalId');
    }
  }
  if (departmentId) {
    const d = await q.departmentHospital(db, departmentId);
    if (!d || d.hospital_id !== hospitalId)
      throw badRequest('department is not in that hospital', 'departmentId');
  }
}

export async function createUser(
  db: DB,
  security: SecurityConfig,
  actor: Actor,
  body: UserCreate,
): Promise<User> {
  await checkPlacement(db, body.role, body.hospitalId, body.departmentId ?? null);
  if (body.role === 'sys_admin' && actor.role !== 'sys_admin') {
    throw new DomainError('forbidden', 'only a sys_admin may create another sys_admin');
  }
  const id = crypto.randomUUID();
  await checkNewPassword(db, security, { id, username: body.username }, body.password);
  const password_hash = await hashPassword(body.password);
  try {
    return await db.transaction().execute(async (trx) => {
      const row = await q.insertUser(trx, {
        id,
        username: body.username,
        display_name: body.displayName,
        role: body.role,
        hospital_id: body.hospitalId,
        department_id: body.departmentId ?? null,
        locale: body.locale ?? 'zh-CN',
        password_hash,
      });
      await recordAudit(trx, {
        actor,
        action: 'user.create',
        entityType: 'user',
        entityId: id,
        ip: actor.ip,
      });
      return toUser(row);
    });
  } catch (e) {
    uniqueClash(e, `username "${body.username}"`);
  }
}

export async function updateUser(db: DB, actor: Actor, id: string, body: UserUpdate): Promise<User> {
  if (Object.keys(body).length === 0) throw badRequest('nothing to update');
  if (id === actor.id && body.disabled) throw badRequest('you cannot disable your own account', 'disabled');
  return db.transaction().execute(async (trx) => {
    const current = await q.findUserPlacement(trx, id);
    if (!current) throw notFound('user');
    if (current.role === 'sys_admin' && actor.role !== 'sys_admin')
      throw new DomainError('forbidden', 'only a sys_admin may change a sys_admin');
    if (body.role === 'sys_admin' && actor.role !== 'sys_admin')
      throw new DomainError('forbidden', 'only a sys_admin may make a sys_admin');
    const role = body.role ?? current.role;
    const hospitalId = body.hospitalId !== undefined ? body.hospitalId : current.hospital_id;
    const moved = role !== current.role || hospitalId !== current.hospital_id;
    if (moved && id === actor.id) throw badRequest('you cannot change your own role or hospital', 'role');
    if (body.departmentId !== undefined || moved)
      await checkPlacement(trx, role, hospitalId, body.departmentId !== undefined ? body.departmentId : null);
    const row = await q.updateUser(trx, id, {
      ...(moved && { role, hospital_id: hospitalId }),
      ...(moved && body.departmentId === undefined && { department_id: null }),
      ...(body.displayName !== undefined && { display_name: body.displayName }),
      ...(body.departmentId !== undefined && { department_id: body.departmentId }),
      ...(body.disabled !== undefined && { disabled: body.disabled }),
    });
    // A disabled or moved user is signed out everywhere at once (the route ends their sockets after commit).
    if (body.disabled || moved) await deleteUserSessions(trx, id);
    const action =
      body.disabled === true ? 'user.disable' : body.disabled === false ? 'user.enable' : 'user.update';
    await recordAudit(trx, {
      actor,
      action,
      entityType: 'user',
      entityId: id,
      ip: actor.ip,
      ...(moved && {
        detail: { role, hospitalId, from: { role: current.role, hospitalId: current.hospital_id } },
      }),
    });
    return toUser(row);
  });
}
