import { sql, type Kysely } from 'kysely';

/**
 * Frozen in time: never import app code here.
 * The PDF of a report version signed with the doctor's own key (PAdES, the doctor's certificate), rendered and
 * signed in the signing transaction, one per language. The file is in the platform storage (`reports` namespace,
 * `storage_key`); this row, written in the same transaction as the version, is what makes it that version's PDF,
 * and its sha256 is checked on every download. Never updated.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('report_signed_pdfs')
    .addColumn('report_id', 'uuid', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('lang', 'text', (c) => c.notNull().check(sql`lang in ('zh-CN', 'en')`))
    .addColumn('storage_key', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('certificate_subject', 'text', (c) => c.notNull())
    .addColumn('timestamped', 'boolean', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('report_signed_pdfs_pk', ['report_id', 'version', 'lang'])
    .addForeignKeyConstraint('report_signed_pdfs_version_fk', ['report_id', 'version'], 'report_versions', [
      'report_id',
      'version',
    ])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('report_signed_pdfs').execute();
}
