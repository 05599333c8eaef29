import { sql, type Kysely } from 'kysely';

/**
 * Frozen in time: never import app code here.
 * RFC 3161 trusted time of each signed report version: the TSA's token over the version's signature bytes, kept
 * beside the (never updated) version row. 'pending' rows are the signatures whose TSA was unreachable: retried in
 * the background (attempts, next_attempt_at) until granted or the attempts run out ('failed'); the signature itself
 * is in report_versions either way.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('report_timestamps')
    .addColumn('report_id', 'uuid', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'granted', 'failed')`))
    .addColumn('tsa_url', 'text', (c) => c.notNull())
    .addColumn('token', 'bytea')
    .addColumn('gen_time', 'timestamptz')
    .addColumn('tsa_subject', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_error', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('report_timestamps_pk', ['report_id', 'version'])
    .addForeignKeyConstraint('report_timestamps_version_fk', ['report_id', 'version'], 'report_versions', [
      'report_id',
      'version',
    ])
    .addCheckConstraint(
      'report_timestamps_granted_has_token',
      sql`status <> 'granted' or (token is not null and gen_time is not null)`,
    )
    .execute();
  await db.schema
    .createIndex('report_timestamps_due_idx')
    .on('report_timestamps')
    .columns(['next_attempt_at'])
    .where(sql.ref('status'), '=', 'pending')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('report_timestamps').execute();
}
