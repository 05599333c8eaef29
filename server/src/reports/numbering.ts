/**
 * Human report numbers: CODE-YYYY-NNNNNN, per signing hospital and year (in the report time zone), unique,
 * assigned once at the first signature and kept on the reports row (outside the signed payload, so reports
 * signed before numbers existed still verify).
 */
import type { Trx } from '../db/database';
import * as nq from './numbering-queries';

const SMALL_WORDS = new Set(['of', 'the', 'and', 'for', 'at', 'in']);

/** "Peking University First Hospital" → "PUFH"; letters only, 2–6 characters. */
export function issuerCode(nameEn: string): string {
  const initials = nameEn
    .split(/[^A-Za-z]+/)
    .filter((w) => w && !SMALL_WORDS.has(w.toLowerCase()))
    .map((w) => w[0]!.toUpperCase())
    .join('')
    .slice(0, 6);
  return initials.length >= 2 ? initials : `H${initials}X`.slice(0, 3);
}

/** The calendar year of `at` in a time zone. */
export const yearIn = (at: Date, timeZone: string) =>
  Number(new Intl.DateTimeFormat('en', { timeZone, year: 'numeric' }).format(at));

async function codeOf(trx: Trx, hospitalId: string): Promise<string> {
  const known = await nq.issuerCodeOf(trx, hospitalId);
  if (known) return known.code;
  const h = await nq.hospitalNameEn(trx, hospitalId);
  const base = issuerCode(h.name_en);
  // Two hospitals with the same initials: the later one gets a digit.
  for (let i = 1; i < 100; i++) {
    const code = i === 1 ? base : `${base}${i}`;
    const row = await nq.insertIssuer(trx, hospitalId, code);
    if (row) return row.code;
    const mine = await nq.issuerCodeOf(trx, hospitalId);
    if (mine) return mine.code;
  }
  throw new Error(`no free report number code for ${h.name_en}`);
}

/** The next number of a hospital's year; the sequence row is upserted, so concurrent signings never share one. */
export async function nextReportNumber(
  trx: Trx,
  hospitalId: string,
  at: Date,
  timeZone: string,
): Promise<string> {
  const code = await codeOf(trx, hospitalId);
  const year = yearIn(at, timeZone);
  const seq = await nq.nextSequence(trx, hospitalId, year);
  return `${code}-${year}-${String(seq).padStart(6, '0')}`;
}
