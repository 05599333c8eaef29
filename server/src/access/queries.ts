/** Care-team queries (the access capability's own table): `db | trx` first. */
import type { TeamPurpose } from '@consult/shared';
import type { Executor } from '../db/database';

export const membersOf = (db: Executor, consultationId: string) =>
  db
    .selectFrom('care_team_members as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .leftJoin('users as by', 'by.id', 'm.added_by')
    .select([
      'm.user_id',
      'm.purpose',
      'm.added_at',
      'u.display_name',
      'u.role',
      'u.hospital_id',
      'by.display_name as added_by_name',
    ])
    .where('m.consultation_id', '=', consultationId)
    .orderBy('m.added_at')
    .execute();

export const people = (db: Executor, ids: string[]) =>
  ids.length
    ? db
        .selectFrom('users')
        .select(['id', 'display_name', 'role', 'hospital_id', 'disabled'])
        .where('id', 'in', ids)
        .execute()
    : Promise.resolve([]);

export const candidatesAt = (db: Executor, hospitalId: string, roles: readonly string[]) =>
  db
    .selectFrom('users')
    .select(['id', 'display_name', 'role'])
    .where('hospital_id', '=', hospitalId)
    .where('role', 'in', roles as never)
    .where('disabled', '=', false)
    .orderBy('display_name')
    .execute();

export async function insertMember(
  db: Executor,
  m: { consultationId: string; userId: string; purpose: TeamPurpose; addedBy: string },
): Promise<boolean> {
  const r = await db
    .insertInto('care_team_members')
    .values({ consultation_id: m.consultationId, user_id: m.userId, purpose: m.purpose, added_by: m.addedBy })
    .onConflict((oc) => oc.columns(['consultation_id', 'user_id']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function deleteMember(db: Executor, consultationId: string, userId: string): Promise<boolean> {
  const r = await db
    .deleteFrom('care_team_members')
    .where('consultation_id', '=', consultationId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
