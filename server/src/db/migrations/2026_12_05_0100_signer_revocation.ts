import { sql, type Kysely } from 'kysely';

/**
 * Frozen in time: never import app code here.
 * Revocation by an administrator and the internal CA's CRL: the reason as an RFC 5280 CRL reason code (null for
 * keys revoked before, listed without a code), and the CRL number, one sequence shared by every node so each CRL
 * the internal CA signs has a larger number than the one before.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('signer_keys')
    .addColumn('revocation_code', 'text', (c) =>
      c.check(
        sql`revocation_code in ('unspecified', 'keyCompromise', 'affiliationChanged', 'cessationOfOperation')`,
      ),
    )
    .execute();
  await sql`create sequence signer_crl_number`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop sequence signer_crl_number`.execute(db);
  await db.schema.alterTable('signer_keys').dropColumn('revocation_code').execute();
}
