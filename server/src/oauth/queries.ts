import type { DB, Executor } from '../db/database';
import type { Selectable } from 'kysely';
import type { ServiceClientTable } from './tables';

export type ServiceClientRow = Selectable<ServiceClientTable>;

export const clientById = (ex: Executor, id: string) =>
  ex.selectFrom('service_clients').selectAll().where('id', '=', id).executeTakeFirst();

export const listClients = (ex: Executor, hospitalId: string | null) => {
  let q = ex.selectFrom('service_clients').selectAll().orderBy('created_at', 'desc').orderBy('id');
  if (hospitalId) q = q.where('hospital_id', '=', hospitalId);
  return q.execute();
};

export async function insertClient(
  ex: Executor,
  row: Pick<ServiceClientTable, 'id' | 'name' | 'hospital_id' | 'permissions' | 'secret_hash' | 'created_by'>,
) {
  return ex.insertInto('service_clients').values(row).returningAll().executeTakeFirstOrThrow();
}

/** Revoke the client and end its tokens (the join in `tokenWithClient` already refuses them; this tidies up). */
export async function revokeClient(ex: Executor, id: string, by: string | null, at: Date) {
  const row = await ex
    .updateTable('service_clients')
    .set({ revoked_at: at, revoked_by: by })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  await ex.deleteFrom('service_tokens').where('client_id', '=', id).execute();
  return row;
}

export async function insertToken(
  ex: Executor,
  row: { token_hash: string; client_id: string; scope: string; expires_at: Date },
  now: Date,
) {
  await ex
    .deleteFrom('service_tokens')
    .where('client_id', '=', row.client_id)
    .where('expires_at', '<=', now)
    .execute();
  await ex.insertInto('service_tokens').values(row).execute();
  await ex
    .updateTable('service_clients')
    .set({ last_used_at: now })
    .where('id', '=', row.client_id)
    .execute();
}

/** The token and its client, one indexed lookup per request (revocation and expiry are decided by the caller). */
export const tokenWithClient = (db: DB, tokenHash: string) =>
  db
    .selectFrom('service_tokens as t')
    .innerJoin('service_clients as c', 'c.id', 't.client_id')
    .select(['t.scope', 't.expires_at', 'c.id', 'c.name', 'c.hospital_id', 'c.permissions', 'c.revoked_at'])
    .where('t.token_hash', '=', tokenHash)
    .executeTakeFirst();
