import { sql, type Kysely } from 'kysely';

/**
 * Frozen in time: never import app code here.
 * Indexes for the keyset-paginated consultation list (consultations/list-queries.ts): one per relation branch of
 * the access policy, each in page order, so a page reads about one page of index entries whatever the table size.
 * - recent order (updated_at desc, id desc): per requesting hospital (owner), per requester (county "mine"), per
 *   assignee (consultant, specialist "mine"), and the target hospital's queue (triage; partial on queue states);
 * - queue order (urgency rank, SLA due with none last, id): the target's and the requester's queue (partial).
 * The expressions must stay textually equal to the list's sort keys, or the planner will not use them.
 */
const RANK = `(case urgency when 'emergency' then 0 when 'urgent' then 1 else 2 end)`;
const DUE = `coalesce(sla_due_at, 'infinity'::timestamptz)`;
const QUEUE = `state in ('submitted', 'triaged')`;

const INDEXES: Record<string, string> = {
  consultations_requesting_recent_idx: `(requesting_hospital_id, updated_at desc, id desc)`,
  consultations_requester_recent_idx: `(requester_id, updated_at desc, id desc)`,
  consultations_assigned_recent_idx: `(assigned_to, updated_at desc, id desc)`,
  consultations_target_queue_recent_idx: `(target_hospital_id, updated_at desc, id desc) where ${QUEUE}`,
  consultations_target_queue_order_idx: `(target_hospital_id, ${RANK}, ${DUE}, id) where ${QUEUE}`,
  consultations_requesting_queue_order_idx: `(requesting_hospital_id, ${RANK}, ${DUE}, id) where ${QUEUE}`,
};

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, def] of Object.entries(INDEXES))
    await sql.raw(`create index ${name} on consultations ${def}`).execute(db);
  // Superseded: a prefix of consultations_assigned_recent_idx.
  await sql`drop index if exists consultations_assigned_idx`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`create index if not exists consultations_assigned_idx on consultations (assigned_to)`.execute(db);
  for (const name of Object.keys(INDEXES)) await sql.raw(`drop index if exists ${name}`).execute(db);
}
