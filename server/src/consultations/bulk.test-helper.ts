/**
 * Bulk consultations for list tests and benchmarks, generated in SQL (generate_series), not through the API:
 * copies of a template request with varied sort keys and relations. Deliberate ties: `updated_at` repeats every
 * 997 rows (so paging must break ties by id), every 5th row has no SLA due date, urgencies and states cycle.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/database';

export interface BulkOptions {
  /** The request every row copies (patient, case, hospitals, requester). */
  templateId: string;
  count: number;
  /** Every `assignEvery`-th row is assigned to this user (0 = none). */
  assignTo?: string | null;
  assignEvery?: number;
  /** First series number (to add more rows later without repeating keys). */
  from?: number;
}

const STATES = ['submitted', 'triaged', 'accepted', 'scheduled', 'in_progress', 'report_pending', 'completed', 'draft'];

export async function insertBulkConsultations(db: Executor, o: BulkOptions): Promise<void> {
  const { rows } = await sql<{ column_name: string }>`select column_name from information_schema.columns
    where table_schema = current_schema() and table_name = 'consultations' order by ordinal_position`.execute(db);
  const from = o.from ?? 1;
  const every = o.assignEvery ?? 4;
  const override: Record<string, ReturnType<typeof sql>> = {
    id: sql`gen_random_uuid()`,
    updated_at: sql`timestamptz '2026-11-01 00:00:00+00' - ((g % 997) * interval '1 minute')`,
    created_at: sql`timestamptz '2026-10-01 00:00:00+00' - ((g % 997) * interval '1 minute')`,
    urgency: sql`(array['routine', 'urgent', 'emergency'])[1 + g % 3]`,
    state: sql`(array[${sql.join(STATES.map((s) => sql.lit(s)))}])[1 + (g / 3) % ${sql.lit(STATES.length)}]`,
    sla_due_at: sql`case when g % 5 = 0 then null else timestamptz '2026-11-02 00:00:00+00' + ((g % 101) * interval '1 hour') end`,
    assigned_to: o.assignTo && every
      ? sql`case when g % ${sql.lit(every)} = 0 then ${o.assignTo}::uuid else null end`
      : sql`null::uuid`,
    version: sql`0`,
  };
  const cols = rows.map((r) => r.column_name);
  const values = cols.map((c) => override[c] ?? sql.ref(`t.${c}`));
  await sql`insert into consultations (${sql.join(cols.map((c) => sql.ref(c)))})
    select ${sql.join(values)} from consultations t, generate_series(${from}::int, ${from + o.count - 1}::int) g
    where t.id = ${o.templateId}::uuid`.execute(db);
}
