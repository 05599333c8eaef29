/**
 * The consultation list as a keyset walk, flat in the size of the table.
 *
 * `visibleCases` is an OR of relations (owner, triage, consultant, member). Filtering a sorted table with that
 * OR reads every row the planner cannot rule out, so the list asks the SAME predicates one at a time
 * (`visibleCaseBranches`): each branch walks its own index (migration 2026_12_03_1100_list_keyset) from the
 * cursor, in page order, for one page at most; their UNION is exactly the visible rows, and the outer query
 * orders and cuts it. A branch whose relation the actor's role cannot hold is a one-time `false` filter.
 *
 * The count is capped: each branch counts at most CAP + 1 rows, so `total` is exact below the cap and
 * "more than CAP" above it, at a bounded cost however many rows are visible.
 *
 * The statements carry PREPARED (db/connect.ts): they are named prepared statements (on PostgreSQL and PGlite),
 * planned once per connection, with the filter values bound (the SQL text is the same for every user and page of a
 * given shape). Planned once only if PostgreSQL keeps the GENERIC plan after its first five custom ones, which it
 * does when the generic plan's estimate is no worse; so the limits are literals (a `limit $n` is costed as an unknown
 * 10 % of the rows, and re-planning every request cost more than running it), and every branch, counted ones
 * included, is ordered like its index (a generic plan cannot tell a hospital with no requests from one with all of
 * them, and an unordered `limit` of a popular-looking value becomes a Seq Scan). `pnpm bench worklist-scale` prints
 * the plans.
 */
import { CompiledQuery, sql, type RawBuilder, type SqlBool } from 'kysely';
import { CONSULTATION_COUNT_CAP, QUEUE_STATES, type ConsultationQuery } from '@consult/shared';
import type { DB, Executor } from '../db/database';
import { PREPARED } from '../db/connect';
import type { Actor } from '../auth/actor';
import { visibleCaseBranches } from '../access/policy';
import { baseSelect, nameColumns } from './queries';
import type { CursorKey, ListOrder } from './cursor';

/** Sort keys: the same expressions as the indexes of migration 2026_12_03_1100_list_keyset. */
const RANK = sql<number>`(case c.urgency when 'emergency' then 0 when 'urgent' then 1 else 2 end)`;
const DUE = sql`coalesce(c.sla_due_at, 'infinity'::timestamptz)`;
const ISO = (col: RawBuilder<unknown>) =>
  sql<string>`to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
/**
 * A timestamp as the text `Date#toISOString` gives (milliseconds, truncated like the driver's Date), formatted by
 * the database: the page's rows carry no Date to parse and re-format.
 */
const ISO_MS = (col: string) =>
  sql<string | null>`to_char(${sql.ref(col)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The columns of a summary (summary.ts), timestamps as ISO text, without the long texts only the detail shows. */
const listColumns = [
  'c.id',
  'c.type',
  'c.urgency',
  'c.state',
  'c.patient_id',
  'c.case_id',
  'c.requesting_hospital_id',
  'c.target_hospital_id',
  'c.target_department_id',
  'c.requester_id',
  'c.assigned_to',
  'c.clinical_question',
  'c.version',
  'p.name as patient_name',
  'p.poverty_registered',
  'pc.diagnosis',
  'pc.icd10',
] as const;
const listTimes = [
  ISO_MS('c.submitted_at').as('submitted_at'),
  ISO_MS('c.sla_due_at').as('sla_due_at'),
  ISO_MS('c.responded_at').as('responded_at'),
  ISO_MS('c.accepted_at').as('accepted_at'),
  ISO_MS('c.completed_at').as('completed_at'),
  sql<string>`${ISO_MS('c.created_at')}`.as('created_at'),
  sql<string>`${ISO_MS('c.updated_at')}`.as('updated_at'),
];
const queueStates = sql.join(QUEUE_STATES.map((s) => sql.lit(s)));

export const orderOf = (q: ConsultationQuery): ListOrder => (q.view === 'queue' ? 'queue' : 'recent');

/**
 * What a capped count depends on besides the data: the actor's relation inputs and every filter of `filters`
 * (`cursor` and `limit` only move the page). The record's type lists every query field, so a new filter does not
 * compile until it is named here (consultations/list-count-cache.ts keys counts by this).
 */
const COUNTED: Record<keyof ConsultationQuery, boolean> = {
  view: true,
  state: true,
  urgency: true,
  patientId: true,
  cursor: false,
  limit: false,
};
const COUNTED_FIELDS = (Object.keys(COUNTED) as (keyof ConsultationQuery)[]).filter((k) => COUNTED[k]);
export const countKey = (actor: Actor, q: ConsultationQuery): string =>
  JSON.stringify([
    actor.id,
    actor.role,
    actor.hospitalId ?? null,
    ...COUNTED_FIELDS.map((k) => q[k] ?? null),
  ]);

/** The filters of the query (view, state, urgency, patient), ANDed into every branch. */
function filters(actor: Actor, q: ConsultationQuery): RawBuilder<SqlBool> {
  const f: RawBuilder<unknown>[] = [sql`true`];
  if (q.view === 'queue') f.push(sql`c.state in (${queueStates})`);
  if (q.view === 'mine')
    f.push(
      actor.role === 'county_doctor'
        ? sql`c.requester_id = ${actor.id}::uuid`
        : sql`c.assigned_to = ${actor.id}::uuid`,
    );
  if (q.state) f.push(sql`c.state = ${q.state}::text`);
  if (q.urgency) f.push(sql`c.urgency = ${q.urgency}::text`);
  if (q.patientId) f.push(sql`c.patient_id = ${q.patientId}::uuid`);
  return sql<SqlBool>`(${sql.join(f, sql` and `)})`;
}

function after(k: CursorKey | null): RawBuilder<SqlBool> {
  if (!k) return sql<SqlBool>`true`;
  if (k.order === 'recent')
    return sql<SqlBool>`(c.updated_at, c.id) < (${k.updatedAt}::timestamptz, ${k.id}::uuid)`;
  return sql<SqlBool>`(${RANK}, ${DUE}, c.id) > (${k.rank}::int, coalesce(${k.due}::timestamptz, 'infinity'::timestamptz), ${k.id}::uuid)`;
}

const orderSql = (order: ListOrder) =>
  order === 'recent' ? sql`c.updated_at desc, c.id desc` : sql`${RANK}, ${DUE}, c.id`;

/** Each branch's rows carry their sort key, so the UNION is ordered and cut before any row is joined. */
const keyColumns = (order: ListOrder) =>
  order === 'recent' ? sql`c.id, c.updated_at` : sql`c.id, ${RANK} as rank, ${DUE} as due`;
const unionOrder = (order: ListOrder) =>
  order === 'recent' ? sql`u.updated_at desc, u.id desc` : sql`u.rank, u.due, u.id`;

/**
 * The ids of one page (limit + 1 rows, to know whether another follows) after the cursor: the UNION of the
 * branches, ordered and cut to the page by their keys, so only the page's own rows are joined to their patient,
 * case and names (joining every branch's rows first read up to one page per branch).
 */
function pageIds(actor: Actor, q: ConsultationQuery, cursor: CursorKey | null, limit: number) {
  const order = orderOf(q);
  const where = filters(actor, q);
  const branches = visibleCaseBranches(actor).map(
    (
      rel,
    ) => sql`(select ${keyColumns(order)} from consultations c where ${rel} and ${where} and ${after(cursor)}
      order by ${orderSql(order)} limit ${sql.lit(limit + 1)})`,
  );
  return sql<{ id: string }>`(${sql.raw(PREPARED)} select u.id from (${sql.join(branches, sql` union `)}) u
    order by ${unionOrder(order)} limit ${sql.lit(limit + 1)})`.as('k');
}

/** The list's data version (migration 2026_12_06_0100_list_count_version) as text. */
const DATA_VERSION = sql<string>`(select v::text from list_version where id = 1)`;

function pageQuery(
  db: Executor,
  actor: Actor,
  q: ConsultationQuery,
  cursor: CursorKey | null,
  limit: number,
  withCount: boolean,
) {
  return baseSelect(db)
    .innerJoin(pageIds(actor, q, cursor, limit), (j) => j.onRef('k.id', '=', 'c.id'))
    .select(listColumns)
    .select(listTimes)
    .select(nameColumns)
    .select([
      ISO(sql`c.updated_at`).as('key_updated_at'),
      RANK.as('key_rank'),
      ISO(sql`c.sla_due_at`).as('key_due'),
      (withCount ? countSql(actor, q) : sql<number | null>`null::int`).as('total_count'),
      DATA_VERSION.as('data_version'),
    ])
    .orderBy(orderSql(orderOf(q)))
    .limit(limit + 1);
}

/**
 * One page of the visible requests after the cursor (limit + 1 rows when another page follows), each row with
 * the data version its snapshot saw and, `withCount`, the capped count (`total_count`, an uncorrelated subquery
 * the database runs once, exact for that version): one statement, one round trip, one pooled connection.
 */
export const listPage = (
  db: Executor,
  actor: Actor,
  q: ConsultationQuery,
  cursor: CursorKey | null,
  limit: number,
  withCount = true,
) => pageQuery(db, actor, q, cursor, limit, withCount).execute();
export type PageRow = Awaited<ReturnType<typeof listPage>>[number];

/** Visible requests matching the filters, counted up to CAP + 1: each branch stops at CAP + 1 rows. */
function countSql(actor: Actor, q: ConsultationQuery) {
  const where = filters(actor, q);
  const branches = visibleCaseBranches(actor).map(
    (rel) =>
      sql`(select c.id from consultations c where ${rel} and ${where}
        order by ${orderSql(orderOf(q))} limit ${sql.lit(CONSULTATION_COUNT_CAP + 1)})`,
  );
  return sql<number>`(select count(*)::int from (${sql.join(branches, sql` union `)}) x)`;
}

const countQuery = (actor: Actor, q: ConsultationQuery) =>
  sql<{ n: number; v: string }>`${sql.raw(PREPARED)} select ${countSql(actor, q)} as n, ${DATA_VERSION} as v`;

/** The capped count alone, with the data version it is exact for (a page past the end has no row to carry it). */
export async function countCapped(
  db: Executor,
  actor: Actor,
  q: ConsultationQuery,
): Promise<{ count: number; version: string }> {
  const { rows } = await countQuery(actor, q).execute(db);
  return { count: Number(rows[0]?.n ?? 0), version: rows[0]?.v ?? '' };
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) of the page and count statements, for the benchmark's report: their GENERIC plans, the
 * ones their named prepared statements keep after the first five executions on a connection (see above).
 */
export async function explainList(
  db: DB,
  actor: Actor,
  q: ConsultationQuery,
  cursor: CursorKey | null,
  limit: number,
): Promise<{ page: string; count: string }> {
  return {
    page: await explainGeneric(db, pageQuery(db, actor, q, cursor, limit, true).compile()),
    count: await explainGeneric(db, countQuery(actor, q).compile(db)),
  };
}

function explainGeneric(db: DB, c: CompiledQuery<unknown>): Promise<string> {
  return db.transaction().execute(async (trx) => {
    await sql`set local plan_cache_mode = force_generic_plan`.execute(trx);
    await trx.executeQuery(CompiledQuery.raw(`prepare list_explain as ${c.sql}`));
    const values = sql.join(c.parameters.map((v) => sql.lit(v)));
    const { rows } = await sql<{
      'QUERY PLAN': string;
    }>`explain (analyze, buffers) execute list_explain(${values})`.execute(trx);
    await sql`deallocate list_explain`.execute(trx);
    return rows.map((x) => x['QUERY PLAN']).join('\n');
  });
}
