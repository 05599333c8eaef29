/**
 * Who made a measurement report and when, as the viewer labels its marks: the author (TID 1002 observer context
 * "Person Observer Name" under the root, else the Author Observer Sequence, else the Verifying Observer), the
 * institution, the content date (ISO calendar date), and whether this platform wrote it (Manufacturer).
 */
import type { DataSet } from 'dicom-parser';
import { text } from './dicom';
import { SR_MANUFACTURER } from './sr-document';

export interface SrOrigin {
  author: string | null;
  institution: string | null;
  /** ContentDate (else InstanceCreationDate) as YYYY-MM-DD; null when absent or malformed. */
  date: string | null;
  /** Written by this platform's SR export (its marks are already the platform's own annotations). */
  ownExport: boolean;
}

const items = (ds: DataSet, tag: string): DataSet[] =>
  (ds.elements[tag]?.items ?? []).map((i) => i.dataSet).filter((d): d is DataSet => d !== undefined);

/** A person name for display: components space-separated, the first non-empty representation group. */
export const personName = (pn: string): string | null =>
  pn
    .split('=')
    .map((g) =>
      g
        .split('^')
        .map((c) => c.trim())
        .filter(Boolean)
        .join(' '),
    )
    .find(Boolean) ?? null;

const isoDate = (da: string): string | null => {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(da);
  if (!m) return null;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return Number.isNaN(d.getTime()) || d.getUTCDate() !== Number(m[3]) ? null : `${m[1]}-${m[2]}-${m[3]}`;
};

function observerName(root: DataSet, cs: string): string | null {
  for (const item of items(root, 'x0040a730')) {
    if (text(item, 'x0040a010') !== 'HAS OBS CONTEXT' || text(item, 'x0040a040') !== 'PNAME') continue;
    const concept = items(item, 'x0040a043')[0];
    if (concept && text(concept, 'x00080100') === '121008') return personName(text(item, 'x0040a123', cs));
  }
  return null;
}

export function srOrigin(ds: DataSet): SrOrigin {
  const cs = text(ds, 'x00080005') || 'ISO_IR 6';
  const authorItem = items(ds, 'x0040a078')[0];
  const verifier = items(ds, 'x0040a073')[0];
  const author =
    observerName(ds, cs) ??
    (authorItem ? personName(text(authorItem, 'x0040a123', cs)) : null) ??
    (verifier ? personName(text(verifier, 'x0040a075', cs)) : null);
  const institution =
    text(ds, 'x00080080', cs) || (authorItem ? text(authorItem, 'x00080080', cs) : '') || null;
  return {
    author,
    institution,
    date: isoDate(text(ds, 'x00080023')) ?? isoDate(text(ds, 'x00080012')),
    ownExport: text(ds, 'x00080070', cs) === SR_MANUFACTURER,
  };
}
