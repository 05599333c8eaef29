import { sql, type Kysely } from 'kysely';

/**
 * Frozen in time: never import app code here.
 * Service clients (OAuth 2.0 client credentials): a machine of one hospital with a set of permissions and an
 * argon2-hashed secret; and its bearer tokens, stored as SHA-256 hashes only, short-lived. Revoking a client
 * (revoked_at) ends every token at once: each request joins the token to its client.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('service_clients')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('hospital_id', 'uuid', (c) => c.notNull().references('hospitals.id'))
    .addColumn('permissions', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('created_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revoked_by', 'uuid', (c) => c.references('users.id'))
    .execute();
  await db.schema
    .createTable('service_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'uuid', (c) => c.notNull().references('service_clients.id').onDelete('cascade'))
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('service_tokens_client_idx')
    .on('service_tokens')
    .columns(['client_id', 'expires_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('service_tokens').execute();
  await db.schema.dropTable('service_clients').execute();
}
