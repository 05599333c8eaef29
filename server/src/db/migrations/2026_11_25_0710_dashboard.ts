import type { Kysely } from 'kysely';

// Frozen in time: never import app code here. Indexes for the program dashboard's round aggregations.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('rounds_status_started_idx')
    .on('rounds')
    .columns(['status', 'started_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('rounds_status_started_idx').ifExists().execute();
}
