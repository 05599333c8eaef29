import { sql, type Kysely } from 'kysely';

/**
 * Frozen in time: never import app code here.
 * Deployment-wide keys (audit checkpoint HMAC key, report-signing private key) kept in the database so every node
 * of a deployment uses the same ones; `material` is sealed with SECRETS_KEY when the deployment sets it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('deployment_keys')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('material', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('deployment_keys').execute();
}
