import type { Insertable, Updateable } from 'kysely';
import type { Database, Executor } from '../db/database';
import type { RoundStatus } from '@consult/shared';
import type { Actor } from '../auth/actor';
import { roundParticipant, visibleCases, type Who } from '../access/relation-queries';

/** Ids for an `in` list; never empty (an empty `in ()` is a syntax error), a nil uuid matches nothing. */
const inList = (ids: string[]) => (ids.length ? ids : ['00000000-0000-0000-0000-000000000000']);

/**
 * Who may see a round: its participants, as the access policy defines them (`roundParticipant`: the host, its
 * invitees, and the host's same-hospital colleagues whose role may join rounds). Applied in every round query.
 */
export type RoundScope = Who;

export function listRounds(db: Executor, scope: RoundScope, status?: RoundStatus) {
  let q = db
    .selectFrom('rounds')
    .selectAll('rounds')
    .select((eb) => [
      eb
        .selectFrom('round_invitees')
        .whereRef('round_invitees.round_id', '=', 'rounds.id')
        .select(eb.fn.countAll<number>().as('n'))
        .as('invitee_count'),
      eb
        .selectFrom('round_agenda_items')
        .whereRef('round_agenda_items.round_id', '=', 'rounds.id')
        .select(eb.fn.countAll<number>().as('n'))
        .as('agenda_count'),
    ])
    .where(() => roundParticipant(scope, 'rounds'))
    .orderBy('rounds.scheduled_at', 'desc')
    .limit(200);
  if (status) q = q.where('rounds.status', '=', status);
  return q.execute();
}

export function findRound(db: Executor, scope: RoundScope, id: string) {
  return db
    .selectFrom('rounds')
    .selectAll()
    .where('id', '=', id)
    .where(() => roundParticipant(scope, 'rounds'))
    .executeTakeFirst();
}

export function lockRound(db: Executor, id: string) {
  return db.selectFrom('rounds').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/** A scheduled round goes live; false when it was not scheduled (already live, or ended). */
export async function setLive(db: Executor, id: string): Promise<boolean> {
  const res = await db
    .updateTable('rounds')
    .set({ status: 'live', started_at: new Date() })
    .where('id', '=', id)
    .where('status', '=', 'scheduled')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function insertRound(db: Executor, row: Insertable<Database['rounds']>): Promise<void> {
  await db.insertInto('rounds').values(row).execute();
}

/** Set the given columns of a round; `fields` must not be empty (an empty SET is invalid SQL). */
export async function updateRound(
  db: Executor,
  id: string,
  fields: Updateable<Database['rounds']>,
): Promise<void> {
  await db.updateTable('rounds').set(fields).where('id', '=', id).execute();
}

export async function setEnded(db: Executor, id: string): Promise<void> {
  await db
    .updateTable('rounds')
    .set({ status: 'ended', ended_at: new Date() })
    .where('id', '=', id)
    .execute();
}

export async function setCurrentAgendaItem(
  db: Executor,
  roundId: string,
  itemId: string | null,
): Promise<void> {
  await db.updateTable('rounds').set({ current_agenda_item_id: itemId }).where('id', '=', roundId).execute();
}

/** Users with their hospital's names: the shape tiles, lists and invitation pickers show. */
const peopleQuery = (db: Executor) =>
  db
    .selectFrom('users')
    .leftJoin('hospitals', 'hospitals.id', 'users.hospital_id')
    .select([
      'users.id',
      'users.display_name',
      'users.role',
      'users.hospital_id',
      'users.disabled',
      'hospitals.name_zh as hospital_name_zh',
      'hospitals.name_en as hospital_name_en',
    ]);

/** People with their hospital names, for tiles and lists. */
export function people(db: Executor, userIds: string[]) {
  return peopleQuery(db).where('users.id', 'in', inList(userIds)).execute();
}

/** Clinical, active users of the given hospitals (round invitation candidates). */
export function usersOfHospitals(db: Executor, hospitalIds: string[]) {
  return peopleQuery(db)
    .where('users.hospital_id', 'in', inList(hospitalIds))
    .where('users.disabled', '=', false)
    .where('users.role', 'in', ['county_doctor', 'specialist', 'radiologist'])
    .orderBy('users.display_name')
    .execute();
}

export const inviteeIds = async (db: Executor, roundId: string) =>
  (await db.selectFrom('round_invitees').select('user_id').where('round_id', '=', roundId).execute()).map(
    (r) => r.user_id,
  );

export async function deleteInvitees(db: Executor, roundId: string): Promise<void> {
  await db.deleteFrom('round_invitees').where('round_id', '=', roundId).execute();
}

export async function insertInvitees(db: Executor, roundId: string, userIds: string[]): Promise<void> {
  await db
    .insertInto('round_invitees')
    .values(userIds.map((user_id) => ({ round_id: roundId, user_id })))
    .execute();
}

export const agenda = (db: Executor, roundId: string) =>
  db
    .selectFrom('round_agenda_items')
    .selectAll()
    .where('round_id', '=', roundId)
    .orderBy('position')
    .execute();

export async function deleteAgenda(db: Executor, roundId: string): Promise<void> {
  await db.deleteFrom('round_agenda_items').where('round_id', '=', roundId).execute();
}

export async function insertAgendaItems(
  db: Executor,
  items: Insertable<Database['round_agenda_items']>[],
): Promise<void> {
  await db.insertInto('round_agenda_items').values(items).execute();
}

export const recordings = (db: Executor, roundId: string) =>
  db
    .selectFrom('round_recordings')
    .selectAll()
    .where('round_id', '=', roundId)
    .orderBy('started_at')
    .execute();

export const findRecording = (db: Executor, roundId: string, id: string) =>
  db
    .selectFrom('round_recordings')
    .selectAll()
    .where('round_id', '=', roundId)
    .where('id', '=', id)
    .executeTakeFirst();

export async function insertRecording(
  db: Executor,
  row: Insertable<Database['round_recordings']>,
): Promise<void> {
  await db.insertInto('round_recordings').values(row).execute();
}

export async function finishRecording(
  db: Executor,
  id: string,
  ok: boolean,
  sizeBytes: number,
): Promise<void> {
  await db
    .updateTable('round_recordings')
    .set({ status: ok ? 'ready' : 'failed', size_bytes: sizeBytes, ended_at: new Date() })
    .where('id', '=', id)
    .execute();
}

/** Insert a chat message; undefined when a message with its id is already stored (a repeat of the same post). */
export function insertChatMessage(db: Executor, row: Insertable<Database['round_chat_messages']>) {
  return db
    .insertInto('round_chat_messages')
    .values(row)
    .onConflict((oc) => oc.column('id').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function chatMessageById(db: Executor, id: string) {
  return db.selectFrom('round_chat_messages').selectAll().where('id', '=', id).executeTakeFirst();
}

export function chatHistory(db: Executor, roundId: string, limit = 100) {
  return db
    .selectFrom('round_chat_messages')
    .innerJoin('users', 'users.id', 'round_chat_messages.user_id')
    .select([
      'round_chat_messages.id',
      'round_chat_messages.round_id',
      'round_chat_messages.user_id',
      'round_chat_messages.text',
      'round_chat_messages.created_at',
      'users.display_name',
    ])
    .where('round_chat_messages.round_id', '=', roundId)
    .orderBy('round_chat_messages.created_at', 'desc')
    .limit(limit)
    .execute();
}

/**
 * Cases the actor may put on an agenda (the access policy's `case:present`: on the care team), never drafts nor
 * requests closed without an answer; newest change first, optionally filtered by patient name or question.
 */
export function presentableCases(db: Executor, actor: Actor, opts: { ids?: string[]; text?: string }) {
  let q = db
    .selectFrom('consultations as c')
    .innerJoin('patients as p', 'p.id', 'c.patient_id')
    .innerJoin('hospitals as h', 'h.id', 'c.requesting_hospital_id')
    .select([
      'c.id',
      'c.state',
      'c.clinical_question',
      'c.updated_at',
      'p.name as patient_name',
      'h.name_zh',
      'h.name_en',
    ])
    .where('c.state', 'not in', ['draft', 'cancelled', 'declined'])
    .where(visibleCases(actor, 'case:present'));
  if (opts.ids) q = q.where('c.id', 'in', inList(opts.ids));
  if (opts.text) {
    const like = `%${opts.text.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    q = q.where((eb) => eb.or([eb('p.name', 'like', like), eb('c.clinical_question', 'like', like)]));
  }
  return q.orderBy('c.updated_at', 'desc').orderBy('c.id').limit(100).execute();
}
