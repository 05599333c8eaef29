/** FHIR search parameters as this API reads them: dates with prefixes, _count, _include/_revinclude, status. */
import { badRequest } from '../errors';

export type DateOp = 'eq' | 'ge' | 'gt' | 'le' | 'lt';
/** A date comparison, as half-open bounds on the instant: `from` ≤ value < `to`. */
export interface DateRange {
  from?: Date;
  to?: Date;
}

const DATE =
  /^(eq|ge|gt|le|lt)?(\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?)$/;

/** The end of the period a FHIR date names (a year, a month, a day, or an instant). */
function periodOf(v: string): { start: Date; end: Date } {
  const [y, m, d] = [v.slice(0, 4), v.slice(5, 7), v.slice(8, 10)].map(Number) as [number, number, number];
  if (v.length === 4) return { start: new Date(Date.UTC(y, 0, 1)), end: new Date(Date.UTC(y + 1, 0, 1)) };
  if (v.length === 7) return { start: new Date(Date.UTC(y, m - 1, 1)), end: new Date(Date.UTC(y, m, 1)) };
  if (v.length === 10)
    return { start: new Date(Date.UTC(y, m - 1, d)), end: new Date(Date.UTC(y, m - 1, d + 1)) };
  const t = new Date(v);
  return { start: t, end: new Date(t.getTime() + 1) };
}

/** `date=ge2026-01-01&date=lt2026-02` → one range (the intersection); 400 naming the parameter when malformed. */
export function dateRange(raw: string | string[] | undefined, name = 'date'): DateRange {
  const out: DateRange = {};
  for (const v of raw === undefined ? [] : [raw].flat()) {
    const m = DATE.exec(v);
    if (
      !m ||
      Number.isNaN(
        new Date(m[2]!.length === 4 ? `${m[2]}-01-01` : m[2]!.length === 7 ? `${m[2]}-01` : m[2]!).getTime(),
      )
    )
      throw badRequest(
        `${name}: "${v}" is not a FHIR date with an optional eq/ge/gt/le/lt prefix`,
        `/query/${name}`,
      );
    const op = (m[1] ?? 'eq') as DateOp;
    const p = periodOf(m[2]!);
    const lower = op === 'eq' || op === 'ge' ? p.start : op === 'gt' ? p.end : undefined;
    const upper =
      op === 'eq' || op === 'lt' ? (op === 'lt' ? p.start : p.end) : op === 'le' ? p.end : undefined;
    if (lower && (!out.from || lower > out.from)) out.from = lower;
    if (upper && (!out.to || upper < out.to)) out.to = upper;
  }
  return out;
}

/** Page size of a search: `_count` defaults to 50 and is at most 200 (0 answers only Bundle.total). */
export const DEFAULT_COUNT = 50;
export const MAX_COUNT = 200;
/** The largest `_offset` a search accepts (deeper paging: narrow the search by date instead). */
export const MAX_OFFSET = 100_000;

const single = (raw: unknown, name: string): string | undefined => {
  if (Array.isArray(raw)) {
    if (raw.length > 1) throw badRequest(`${name} may be given only once`, `/query/${name}`);
    return raw[0] === undefined ? undefined : String(raw[0]);
  }
  return raw === undefined ? undefined : String(raw);
};

/** _count: default 50, at most 200. */
export function countOf(raw: unknown): number {
  const v = single(raw, '_count');
  if (v === undefined) return DEFAULT_COUNT;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > MAX_COUNT)
    throw badRequest(`_count must be an integer 0-${MAX_COUNT}`, '/query/_count');
  return n;
}

/** _offset: how many matches to skip (0 by default). */
export function offsetOf(raw: unknown): number {
  const v = single(raw, '_offset');
  if (v === undefined) return 0;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > MAX_OFFSET)
    throw badRequest(`_offset must be an integer 0-${MAX_OFFSET}`, '/query/_offset');
  return n;
}

export type SortOrder = 'asc' | 'desc';
/** _sort: `date` (oldest first) or `-date` (newest first, the default) on types searchable by date. */
export function sortOf(raw: unknown, sortable: boolean): SortOrder {
  const v = single(raw, '_sort');
  if (v === undefined) return 'desc';
  if (sortable && (v === 'date' || v === '-date')) return v === 'date' ? 'asc' : 'desc';
  throw badRequest(
    sortable ? `_sort: "${v}" is not supported; use date or -date` : `_sort: this type cannot be sorted`,
    '/query/_sort',
  );
}

/** A reference parameter (`patient=Patient/<id>` or `patient=<id>`) → the id; 400 when not a uuid. */
export function idOfReference(raw: unknown, type: string, name: string): string | undefined {
  if (raw === undefined) return undefined;
  const v = String(raw);
  const id = v.startsWith(`${type}/`) ? v.slice(type.length + 1) : v;
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))
    throw badRequest(`${name}: "${v}" is not a ${type} reference`, `/query/${name}`);
  return id.toLowerCase();
}

/** Comma-separated token values (`status=active,completed`). */
export const tokens = (raw: unknown): string[] | undefined =>
  raw === undefined
    ? undefined
    : [raw]
        .flat()
        .flatMap((v) => String(v).split(','))
        .filter(Boolean);

/** Does the `_include` / `_revinclude` list ask for this one? */
export const asks = (raw: unknown, value: string): boolean =>
  raw !== undefined && [raw].flat().some((v) => String(v) === value || String(v) === '*');

/** Search parameters each type understands (plus _id, _count, _include, _revinclude, _format). */
export const COMMON_PARAMS = ['_id', '_count', '_offset', '_sort', '_include', '_revinclude', '_format'];
