/** Report numbers' SQL: each hospital's issuer code and its per-year sequences (signing transaction). */
import { sql } from 'kysely';
import type { Trx } from '../db/database';

export function issuerCodeOf(trx: Trx, hospitalId: string) {
  return trx
    .selectFrom('report_issuers')
    .select('code')
    .where('hospital_id', '=', hospitalId)
    .executeTakeFirst();
}

/** The English name of a hospital, the issuer code's source. */
export function hospitalNameEn(trx: Trx, hospitalId: string) {
  return trx.selectFrom('hospitals').select('name_en').where('id', '=', hospitalId).executeTakeFirstOrThrow();
}

/** Claim `code` for the hospital; undefined when the code (or the hospital) already has a row. */
export function insertIssuer(trx: Trx, hospitalId: string, code: string) {
  return trx
    .insertInto('report_issuers')
    .values({ hospital_id: hospitalId, code })
    .onConflict((oc) => oc.doNothing())
    .returning('code')
    .executeTakeFirst();
}

/** The next sequence number of a hospital's year: the row is upserted, so concurrent signings never share one. */
export async function nextSequence(trx: Trx, hospitalId: string, year: number): Promise<number> {
  const row = await trx
    .insertInto('report_number_sequences')
    .values({ hospital_id: hospitalId, year, last_seq: 1 })
    .onConflict((oc) =>
      oc
        .columns(['hospital_id', 'year'])
        .doUpdateSet({ last_seq: sql`report_number_sequences.last_seq + 1` }),
    )
    .returning('last_seq')
    .executeTakeFirstOrThrow();
  return row.last_seq;
}
