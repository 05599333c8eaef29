/** Signer key queries: `db | trx` first. */
import { sql } from 'kysely';
import type { Executor } from '../db/database';
import type { SignerKeyTable } from './tables';
import type { Insertable } from 'kysely';

export const activeKey = (db: Executor, userId: string) =>
  db
    .selectFrom('signer_keys')
    .selectAll()
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();

export const keysOf = (db: Executor, userId: string) =>
  db
    .selectFrom('signer_keys')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .execute();

export const keyById = (db: Executor, id: string) =>
  db.selectFrom('signer_keys').selectAll().where('id', '=', id).executeTakeFirst();

export const keysByFingerprint = (db: Executor, fingerprints: string[]) =>
  fingerprints.length
    ? db.selectFrom('signer_keys').selectAll().where('fingerprint', 'in', fingerprints).execute()
    : Promise.resolve([]);

export const insertKey = (db: Executor, row: Insertable<SignerKeyTable>) =>
  db.insertInto('signer_keys').values(row).returningAll().executeTakeFirstOrThrow();

/** Count a wrong PIN; at `max` the key locks until `lockUntil` and the count restarts. Returns the new state. */
export const countWrongPin = (db: Executor, id: string, max: number, lockUntil: Date) =>
  db
    .updateTable('signer_keys')
    .set({
      failed_pins: sql<number>`case when failed_pins + 1 >= ${max} then 0 else failed_pins + 1 end`,
      locked_until: sql<Date | null>`case when failed_pins + 1 >= ${max} then ${lockUntil} else locked_until end`,
    })
    .where('id', '=', id)
    .returning(['failed_pins', 'locked_until'])
    .executeTakeFirstOrThrow();

export const clearWrongPins = (db: Executor, id: string) =>
  db.updateTable('signer_keys').set({ failed_pins: 0, locked_until: null }).where('id', '=', id).execute();

export const revokeKey = (
  db: Executor,
  id: string,
  by: string,
  reason: string,
  code: string | null,
  at: Date,
) =>
  db
    .updateTable('signer_keys')
    .set({ revoked_at: at, revoked_by: by, revocation_reason: reason, revocation_code: code })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst();

export const signerFacts = (db: Executor, userId: string) =>
  db
    .selectFrom('users as u')
    .leftJoin('hospitals as h', 'h.id', 'u.hospital_id')
    .select(['u.display_name', 'u.username', 'h.name_en', 'h.name_zh'])
    .where('u.id', '=', userId)
    .executeTakeFirstOrThrow();

/**
 * The users an administrator reaches (users administration's scope, network/service.ts scopeFor): `hospitals`
 * null for the whole network, else the hospitals whose users they administer.
 */
export type UserReach = { hospitals: string[] | null };

const NIL = '00000000-0000-0000-0000-000000000000';

/** A key, only when its owner is within `reach` (else undefined: absent and out of reach read the same). */
export const keyInReach = (db: Executor, id: string, reach: UserReach) => {
  let q = db
    .selectFrom('signer_keys as k')
    .innerJoin('users as u', 'u.id', 'k.user_id')
    .selectAll('k')
    .where('k.id', '=', id);
  if (reach.hospitals) q = q.where('u.hospital_id', 'in', reach.hospitals.length ? reach.hospitals : [NIL]);
  return q.executeTakeFirst();
};

/** Active keys of the users within `reach`, by username. */
export const activeKeysInReach = (db: Executor, reach: UserReach) => {
  let q = db
    .selectFrom('signer_keys as k')
    .innerJoin('users as u', 'u.id', 'k.user_id')
    .selectAll('k')
    .where('k.revoked_at', 'is', null)
    .orderBy('u.username');
  if (reach.hospitals) q = q.where('u.hospital_id', 'in', reach.hospitals.length ? reach.hospitals : [NIL]);
  return q.execute();
};

/** Revoked keys the internal CA issued with the key algorithm `algorithm` (its CRL's candidates), oldest first. */
export const revokedInternalKeys = (db: Executor, algorithm: string) =>
  db
    .selectFrom('signer_keys')
    .selectAll()
    .where('source', '=', 'internal_ca')
    .where('algorithm', '=', algorithm)
    .where('revoked_at', 'is not', null)
    .orderBy('revoked_at')
    .orderBy('id')
    .execute();

/** The next CRL number (a sequence every node shares: strictly increasing). */
export const nextCrlNumber = async (db: Executor): Promise<bigint> => {
  const { rows } = await sql<{ n: string | number }>`select nextval('signer_crl_number') as n`.execute(db);
  return BigInt(rows[0]!.n);
};
