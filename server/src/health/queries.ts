import { sql } from 'kysely';
import type { Executor } from '../db/database';

/** The cheapest statement the database must answer: the readiness probe's check that it serves. */
export async function ping(db: Executor): Promise<void> {
  await sql`select 1`.execute(db);
}
