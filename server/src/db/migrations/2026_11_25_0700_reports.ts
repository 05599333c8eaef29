import { sql, type Kysely } from 'kysely';

// Frozen in time: never import app code here. SQL is the subset PostgreSQL 15 and PGlite (17) share.
// Remote diagnosis reports: one per consultation; a working draft (autosaved, optimistic revision) and
// immutable signed versions (canonical JSON + Ed25519 signature). Plus the indexes the program dashboard needs.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('reports')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('consultation_id', 'uuid', (c) => c.notNull().unique().references('consultations.id'))
    .addColumn('author_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('draft','signed','amending','acknowledged')`),
    )
    .addColumn('draft_content', 'text')
    .addColumn('draft_revision', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('draft_updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('draft_updated_by', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('amendment_reason', 'text')
    .addColumn('current_version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('first_signed_at', 'timestamptz')
    .addColumn('acknowledged_at', 'timestamptz')
    .addColumn('acknowledged_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('next_follow_up_date', 'date')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('reports_first_signed_idx').on('reports').column('first_signed_at').execute();
  await db.schema.createIndex('reports_author_idx').on('reports').column('author_id').execute();

  await db.schema
    .createTable('report_versions')
    .addColumn('report_id', 'uuid', (c) => c.notNull().references('reports.id'))
    .addColumn('version', 'integer', (c) => c.notNull())
    /** The canonical JSON that was signed (header + content). */
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addColumn('key_fingerprint', 'text', (c) => c.notNull())
    .addColumn('signed_by', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('signed_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('report_versions_pkey', ['report_id', 'version'])
    .execute();

  // Dashboard aggregations filter consultations by requesting hospital and submission time.
  await db.schema
    .createIndex('consultations_requesting_submitted_idx')
    .on('consultations')
    .columns(['requesting_hospital_id', 'submitted_at'])
    .execute();
  await db.schema
    .createIndex('consultations_submitted_idx')
    .on('consultations')
    .column('submitted_at')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('consultations_submitted_idx').ifExists().execute();
  await db.schema.dropIndex('consultations_requesting_submitted_idx').ifExists().execute();
  await db.schema.dropTable('report_versions').ifExists().execute();
  await db.schema.dropTable('reports').ifExists().execute();
}
