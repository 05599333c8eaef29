/**
 * The worklist's case sections (drafts, returned, triage, mine, readings), flat in the size of the table.
 *
 * Each section names its DRIVERS: selective predicates whose union is the section's candidate rows, each served by an
 * index in the section's order (migrations 2026_12_03_1100_list_keyset and 2026_12_03_1560_lists_scale). A driver
 * walks its index for one section's worth of rows (LIMIT + 1) after the section's filter and the access policy
 * (`visibleCases`, evaluated on those few rows); the outer query joins the names and cuts the union to LIMIT. The
 * count is capped like the consultation list's: each driver counts at most CAP + 1 rows, so `total` is exact below
 * CONSULTATION_COUNT_CAP and "more than" above it (`totalCapped`), at a bounded cost however many rows match.
 */
import { CompiledQuery, sql, type RawBuilder, type SqlBool } from 'kysely';
import {
  CONSULTATION_COUNT_CAP,
  QUEUE_STATES,
  SLA_RUNNING_STATES,
  TERMINAL_STATES,
  WORKLIST_SECTION_LIMIT,
  type ConsultationState,
  type ConsultationType,
  type Urgency,
} from '@consult/shared';
import type { Executor } from '../db/database';
import type { Actor } from '../auth/actor';
import { visibleCaseBranches, visibleCases } from '../access/policy';

const LIMIT = WORKLIST_SECTION_LIMIT;
const lits = (xs: readonly string[]) => sql.join(xs.map((s) => sql.lit(s)));
/** Sort keys: textually equal to the indexes' expressions. */
const DUE = sql`coalesce(c.sla_due_at, 'infinity'::timestamptz)`;
const RECENT_FIRST = sql`c.updated_at desc, c.id desc`;
const OLDEST_FIRST = sql`c.updated_at, c.id`;

/** Which hospital a case row names: the one the county asked, or the one asking the consulting side. */
type Counterpart = 'target' | 'requesting';

interface SectionSpec {
  /** Predicates whose union is the candidate rows; each one walks an index in `order`. */
  drivers: RawBuilder<SqlBool>[];
  /** ANDed into every driver (state and the like). */
  filter: RawBuilder<SqlBool>;
  order: RawBuilder<unknown>;
  counterpart: Counterpart;
}

function sectionQuery(actor: Actor, spec: SectionSpec, now: Date) {
  const visible = visibleCases(actor)();
  const where = (d: RawBuilder<SqlBool>) => sql`${d} and ${spec.filter} and ${visible}`;
  const ids = sql.join(
    spec.drivers.map(
      (d) =>
        sql`(select c.id from consultations c where ${where(d)} order by ${spec.order} limit ${LIMIT + 1})`,
    ),
    sql` union `,
  );
  const counted = sql.join(
    spec.drivers.map(
      (d) => sql`(select c.id from consultations c where ${where(d)} limit ${CONSULTATION_COUNT_CAP + 1})`,
    ),
    sql` union `,
  );
  const hospital = spec.counterpart === 'target' ? sql`c.target_hospital_id` : sql`c.requesting_hospital_id`;
  return sql<CaseRow>`select c.id, c.type, c.urgency, c.state, c.updated_at, c.sla_due_at, c.return_reason,
      p.name as patient_name, p.poverty_registered, pc.diagnosis,
      h.name_zh as counterpart_zh, h.name_en as counterpart_en,
      (select u.display_name from users u where u.id = c.assigned_to) as assignee_name,
      (select m.purpose from care_team_members m where m.consultation_id = c.id and m.user_id = ${actor.id}::uuid)
        as team_purpose,
      (select count(*) from consultation_studies cs where cs.consultation_id = c.id) as study_count,
      (c.state in (${lits(SLA_RUNNING_STATES)}) and c.sla_due_at is not null and c.sla_due_at < ${now})
        as sla_breached,
      (select count(*) from (${counted}) x) as total
    from (${ids}) k
    join consultations c on c.id = k.id
    join patients p on p.id = c.patient_id
    join patient_cases pc on pc.id = c.case_id
    join hospitals h on h.id = ${hospital}
    order by ${spec.order} limit ${LIMIT}`;
}

const section = (db: Executor, actor: Actor, spec: SectionSpec, now: Date) =>
  sectionQuery(actor, spec, now)
    .execute(db)
    .then((r) => r.rows);

export interface CaseRow {
  id: string;
  type: ConsultationType;
  urgency: Urgency;
  state: ConsultationState;
  updated_at: Date;
  sla_due_at: Date | null;
  return_reason: string | null;
  patient_name: string;
  poverty_registered: boolean;
  diagnosis: string;
  counterpart_zh: string;
  counterpart_en: string;
  assignee_name: string | null;
  team_purpose: string | null;
  study_count: number | string;
  sla_breached: boolean;
  total: number | string;
}

/** The rows of a count that is exact below the cap and "more than" the cap above it. */
export const capped = (n: number) => ({
  total: Math.min(n, CONSULTATION_COUNT_CAP),
  totalCapped: n > CONSULTATION_COUNT_CAP,
});

const NIL = '00000000-0000-0000-0000-000000000000';
const open = sql<SqlBool>`c.state not in (${lits(TERMINAL_STATES)})`;
const assignedToMe = (actor: Actor) => sql<SqlBool>`c.assigned_to = ${actor.id}::uuid`;
const memberOf = (actor: Actor, purpose?: string) =>
  sql<SqlBool>`exists (select 1 from care_team_members m where m.consultation_id = c.id
    and m.user_id = ${actor.id}::uuid ${purpose ? sql`and m.purpose = ${purpose}` : sql``})`;

/** The county doctor's own drafts, last edited first. */
const draftsSpec = (actor: Actor): SectionSpec => ({
  drivers: [sql<SqlBool>`c.requester_id = ${actor.id}::uuid`],
  filter: sql<SqlBool>`c.state = 'draft'`,
  order: RECENT_FIRST,
  counterpart: 'target',
});
export const drafts = (db: Executor, actor: Actor, now: Date) => section(db, actor, draftsSpec(actor), now);

/** Requests of the actor's hospital sent back for information, oldest return first. */
const returnedSpec = (actor: Actor): SectionSpec => ({
  drivers: visibleCaseBranches(actor),
  filter: sql<SqlBool>`c.state = 'returned_for_information'`,
  order: OLDEST_FIRST,
  counterpart: 'target',
});
export const returned = (db: Executor, actor: Actor, now: Date) =>
  section(db, actor, returnedSpec(actor), now);

/** The triage queue of the actor's hospital: due soonest first (no due time last). */
const triageQueueSpec = (actor: Actor): SectionSpec => ({
  drivers: [sql<SqlBool>`c.target_hospital_id = ${actor.hospitalId ?? NIL}::uuid`],
  filter: sql<SqlBool>`c.state in (${lits(QUEUE_STATES)})`,
  order: sql`${DUE}, c.id`,
  counterpart: 'requesting',
});
export const triageQueue = (db: Executor, actor: Actor, now: Date) =>
  section(db, actor, triageQueueSpec(actor), now);

/** Open cases assigned to the actor or whose team they were added to, last changed first. */
const myCasesSpec = (actor: Actor): SectionSpec => ({
  drivers: [assignedToMe(actor), memberOf(actor)],
  filter: open,
  order: RECENT_FIRST,
  counterpart: 'requesting',
});
export const myCases = (db: Executor, actor: Actor, now: Date) => section(db, actor, myCasesSpec(actor), now);

/**
 * Image readings: open cases assigned to the radiologist or whose team they joined for imaging, without a signed
 * report yet; oldest first.
 */
const readingsSpec = (actor: Actor): SectionSpec => ({
  drivers: [assignedToMe(actor), memberOf(actor, 'imaging')],
  filter: sql<SqlBool>`${open} and not exists (select 1 from reports r
        where r.consultation_id = c.id and r.current_version > 0)`,
  order: OLDEST_FIRST,
  counterpart: 'requesting',
});
export const readings = (db: Executor, actor: Actor, now: Date) =>
  section(db, actor, readingsSpec(actor), now);

const SPECS = {
  drafts: draftsSpec,
  returned: returnedSpec,
  triage: triageQueueSpec,
  mine: myCasesSpec,
  readings: readingsSpec,
};

/** EXPLAIN (ANALYZE, BUFFERS) of one case section's statement, for the benchmark's report. */
export async function explainSection(db: Executor, actor: Actor, name: keyof typeof SPECS, now = new Date()) {
  const c = sectionQuery(actor, SPECS[name](actor), now).compile(db);
  const r = await db.executeQuery<{ 'QUERY PLAN': string }>(
    CompiledQuery.raw(`explain (analyze, buffers) ${c.sql}`, [...c.parameters]),
  );
  return r.rows.map((x) => x['QUERY PLAN']).join('\n');
}
