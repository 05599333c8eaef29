import { sql, type Kysely } from 'kysely';

/**
 * Frozen in time: never import app code here.
 * Per-signer report signing keys: each signer's certificate (issued by the internal CA or imported from the
 * hospital's CA as PKCS#12) and private key sealed under a PIN the server never stores; wrong PINs counted toward a
 * lockout; revocation kept (never deleted). A signed report version carries its algorithm and the signer's
 * certificate. report_signature_log: one append-only row per signature (its hash), so a version removed from
 * report_versions is noticed by verification.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('signer_keys')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('algorithm', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('certificate_pem', 'text', (c) => c.notNull())
    .addColumn('chain_pem', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull().unique())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('serial', 'text', (c) => c.notNull())
    .addColumn('not_before', 'timestamptz', (c) => c.notNull())
    .addColumn('not_after', 'timestamptz', (c) => c.notNull())
    .addColumn('sealed_key', 'text', (c) => c.notNull())
    .addColumn('failed_pins', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revoked_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('revocation_reason', 'text')
    .execute();
  await sql`create unique index signer_keys_one_active on signer_keys (user_id) where revoked_at is null`.execute(
    db,
  );
  await db.schema
    .alterTable('report_versions')
    .addColumn('algorithm', 'text')
    .addColumn('certificate_pem', 'text')
    .addColumn('signer_key_id', 'uuid', (c) => c.references('signer_keys.id'))
    .execute();
  await db.schema
    .createTable('report_signature_log')
    .addColumn('report_id', 'uuid', (c) => c.notNull().references('reports.id'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('signature_sha256', 'text', (c) => c.notNull())
    .addColumn('logged_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('report_signature_log_pk', ['report_id', 'version'])
    .execute();
  // Versions signed before this migration: their log rows, so verification of old reports has a head too.
  await sql`insert into report_signature_log (report_id, version, signature_sha256)
    select report_id, version, encode(sha256(convert_to(signature, 'UTF8')), 'hex') from report_versions`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('report_signature_log').execute();
  await db.schema
    .alterTable('report_versions')
    .dropColumn('signer_key_id')
    .dropColumn('certificate_pem')
    .dropColumn('algorithm')
    .execute();
  await db.schema.dropTable('signer_keys').execute();
}
