import type { Insertable, Updateable } from 'kysely';
import type { Database, Executor } from '../db/database';

/**
 * Query-layer scoping for the hospital network. `visible` is null for network administrators (everything) or
 * the list of hospital ids a clinical user may see: their own and the ones paired with it.
 */
export type HospitalScope = { visible: string[] | null };

export async function pairedHospitalIds(db: Executor, hospitalId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('pairings')
    .select(['tertiary_hospital_id', 'county_hospital_id'])
    .where('active', '=', true)
    .where((eb) =>
      eb.or([eb('tertiary_hospital_id', '=', hospitalId), eb('county_hospital_id', '=', hospitalId)]),
    )
    .execute();
  return rows.map((r) =>
    r.tertiary_hospital_id === hospitalId ? r.county_hospital_id : r.tertiary_hospital_id,
  );
}

/** Ids for an `in` list; never empty (an empty `in ()` is a syntax error), a nil uuid matches nothing. */
const inList = (ids: string[]) => (ids.length ? ids : ['00000000-0000-0000-0000-000000000000']);

export function listHospitals(db: Executor, scope: HospitalScope) {
  let q = db.selectFrom('hospitals').selectAll().orderBy('tier', 'desc').orderBy('name_en');
  if (scope.visible) q = q.where('id', 'in', inList(scope.visible));
  return q.execute();
}

export function findHospital(db: Executor, scope: HospitalScope, id: string) {
  let q = db.selectFrom('hospitals').selectAll().where('id', '=', id);
  if (scope.visible) q = q.where('id', 'in', inList(scope.visible));
  return q.executeTakeFirst();
}

/** Does any hospital exist? (the demo seed runs only on an empty network) */
export const anyHospital = (db: Executor) =>
  db.selectFrom('hospitals').select('id').limit(1).executeTakeFirst();

export const insertHospital = (db: Executor, row: Insertable<Database['hospitals']>) =>
  db.insertInto('hospitals').values(row).returningAll().executeTakeFirstOrThrow();

/** The hospital after the change, or undefined when there is none with this id. */
export const updateHospital = (db: Executor, id: string, changes: Updateable<Database['hospitals']>) =>
  db.updateTable('hospitals').set(changes).where('id', '=', id).returningAll().executeTakeFirst();

export function listDepartments(db: Executor, hospitalId: string) {
  return db
    .selectFrom('departments')
    .selectAll()
    .where('hospital_id', '=', hospitalId)
    .orderBy('name_en')
    .execute();
}

/** The hospital a department belongs to (placing a user in it). */
export const departmentHospital = (db: Executor, departmentId: string) =>
  db.selectFrom('departments').select('hospital_id').where('id', '=', departmentId).executeTakeFirst();

export const insertDepartment = (db: Executor, row: Insertable<Database['departments']>) =>
  db.insertInto('departments').values(row).returningAll().executeTakeFirstOrThrow();

export function listPairings(db: Executor, scope: HospitalScope) {
  let q = db.selectFrom('pairings').selectAll().orderBy('since');
  if (scope.visible) {
    const ids = inList(scope.visible);
    q = q.where((eb) => eb.and([eb('tertiary_hospital_id', 'in', ids), eb('county_hospital_id', 'in', ids)]));
  }
  return q.execute();
}

export const insertPairing = (db: Executor, row: Insertable<Database['pairings']>) =>
  db.insertInto('pairings').values(row).returningAll().executeTakeFirstOrThrow();

/** The pairing after the change, or undefined when there is none with this id. */
export const updatePairing = (db: Executor, id: string, changes: Updateable<Database['pairings']>) =>
  db.updateTable('pairings').set(changes).where('id', '=', id).returningAll().executeTakeFirst();

export function listUsers(
  db: Executor,
  filter: { hospitalId?: string | undefined; role?: string | undefined },
) {
  let q = db
    .selectFrom('users')
    .select([
      'id',
      'username',
      'display_name',
      'role',
      'hospital_id',
      'department_id',
      'locale',
      'disabled',
      'created_at',
    ])
    .orderBy('username');
  if (filter.hospitalId) q = q.where('hospital_id', '=', filter.hospitalId);
  if (filter.role) q = q.where('role', '=', filter.role as never);
  return q.execute();
}

export const userColumns = [
  'id',
  'username',
  'display_name',
  'role',
  'hospital_id',
  'department_id',
  'locale',
  'disabled',
  'created_at',
] as const;

/** A new user, read back in `userColumns` (never the password hash). */
export const insertUser = (db: Executor, row: Insertable<Database['users']>) =>
  db.insertInto('users').values(row).returning(userColumns).executeTakeFirstOrThrow();

/** A user's role and hospital, as a change to them starts from. */
export const findUserPlacement = (db: Executor, id: string) =>
  db.selectFrom('users').select(['role', 'hospital_id']).where('id', '=', id).executeTakeFirst();

/** Changes a user (who must exist) and reads them back in `userColumns`. */
export const updateUser = (db: Executor, id: string, changes: Updateable<Database['users']>) =>
  db.updateTable('users').set(changes).where('id', '=', id).returning(userColumns).executeTakeFirstOrThrow();

/** What resetting a user's credentials needs to know of them. */
export const findUserCredentials = (db: Executor, id: string) =>
  db
    .selectFrom('users')
    .select(['id', 'role', 'username', 'password_hash'])
    .where('id', '=', id)
    .executeTakeFirst();

export const setUserPassword = (db: Executor, id: string, passwordHash: string) =>
  db
    .updateTable('users')
    .set({ password_hash: passwordHash, failed_logins: 0, locked_until: null })
    .where('id', '=', id)
    .execute();
