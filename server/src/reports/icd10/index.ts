/**
 * The ICD-10 list shipped with the app: a curated subset (about 240 common codes, codes.tsv) with zh-CN and en
 * titles — not the full classification. Loaded once; searched in memory by code prefix or title substring.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Icd10Code } from '@consult/shared';

let cache: Icd10Code[] | null = null;

export function icd10Codes(): Icd10Code[] {
  if (cache) return cache;
  const text = fs.readFileSync(path.join(import.meta.dirname, 'codes.tsv'), 'utf8');
  cache = text
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => {
      const [code, titleZh, titleEn] = l.split('\t') as [string, string, string];
      return { code: code.trim(), titleZh: titleZh.trim(), titleEn: titleEn.trim() };
    });
  return cache;
}

export function findIcd10(code: string): Icd10Code | undefined {
  return icd10Codes().find((c) => c.code === code);
}

/** Code-prefix matches first (I21 → I21.0, I21.1 ...), then title matches in either language. */
export function searchIcd10(q: string | undefined, limit = 20): Icd10Code[] {
  const all = icd10Codes();
  const needle = (q ?? '').trim().toLowerCase();
  if (!needle) return all.slice(0, limit);
  const byCode = all.filter((c) => c.code.toLowerCase().startsWith(needle));
  const byTitle = all.filter(
    (c) => !byCode.includes(c) && (c.titleZh.includes(needle) || c.titleEn.toLowerCase().includes(needle)),
  );
  return [...byCode, ...byTitle].slice(0, limit);
}
