import type { DataSet, Element } from 'dicom-parser';
import { decodeText } from './charset';
import { VR_OF } from './dictionary';

/** One DICOM JSON attribute (PS3.18 F.2). */
export interface JsonAttr {
  vr: string;
  Value?: unknown[];
  BulkDataURI?: string;
  InlineBinary?: string;
}
export type JsonDataSet = Record<string, JsonAttr>;

const BINARY = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);
const NO_SPLIT = new Set(['LT', 'ST', 'UT', 'UR']);
const CHARSET_VRS = new Set(['LO', 'LT', 'PN', 'SH', 'ST', 'UC', 'UT']);
const INLINE_MAX = 256;

/** PN text (`A=I=P`) → DICOM JSON person name objects. */
export function personName(v: string): { Alphabetic?: string; Ideographic?: string; Phonetic?: string }[] {
  if (!v) return [];
  return v.split('\\').map((one) => {
    const [a, i, p] = one.split('=');
    return {
      ...(a ? { Alphabetic: a } : {}),
      ...(i ? { Ideographic: i } : {}),
      ...(p ? { Phonetic: p } : {}),
    };
  });
}

/** A string attribute; absent value → present with no Value (QIDO returns requested empty attributes). */
export const str = (vr: string, v: string | null | undefined): JsonAttr =>
  v ? { vr, Value: vr === 'PN' ? personName(v) : v.split('\\') } : { vr };
export const num = (vr: string, v: number | null | undefined): JsonAttr =>
  v === null || v === undefined ? { vr } : { vr, Value: [v] };

const hexTag = (key: string) => key.slice(1).toUpperCase();

function numbers(ds: DataSet, tag: string, el: Element, vr: string): number[] {
  const size = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8, AT: 4, UV: 8, SV: 8 }[vr] ?? 0;
  if (!size) return [];
  const out: number[] = [];
  const n = Math.floor(el.length / size);
  for (let k = 0; k < n; k++) {
    let v: number | undefined;
    if (vr === 'US') v = ds.uint16(tag, k);
    else if (vr === 'SS') v = ds.int16(tag, k);
    else if (vr === 'UL') v = ds.uint32(tag, k);
    else if (vr === 'SL') v = ds.int32(tag, k);
    else if (vr === 'FL') v = ds.float(tag, k);
    else if (vr === 'FD') v = ds.double(tag, k);
    else if (vr === 'AT') v = ds.attributeTag(tag) as unknown as number;
    if (v !== undefined) out.push(v);
  }
  return out;
}

/**
 * Convert a parsed data set to DICOM JSON. Large binary values become BulkDataURIs under `bulkBase`
 * (`<instance URL>/bulkdata`); Pixel Data points at the frames resource.
 */
export function dataSetToJson(
  ds: DataSet,
  opts: { charset?: string; bulkBase?: string; framesUrl?: string; skipMeta?: boolean } = {},
): JsonDataSet {
  const charset = opts.charset ?? (ds.elements.x00080005 ? rawText(ds, ds.elements.x00080005) : undefined);
  const out: JsonDataSet = {};
  const keys = Object.keys(ds.elements).sort();
  for (const key of keys) {
    const el = ds.elements[key]!;
    const group = key.slice(1, 5);
    if (opts.skipMeta && group === '0002') continue;
    if (key.endsWith('0000') && group !== '0002') continue; // group lengths are retired
    const vr =
      el.vr ??
      (el.items
        ? 'SQ'
        : (VR_OF[key] ?? (group.endsWith('0') || Number.parseInt(group, 16) % 2 === 0 ? 'UN' : 'UN')));
    const tag = hexTag(key);
    try {
      out[tag] = element(ds, key, el, vr, charset, opts);
    } catch {
      out[tag] = { vr: 'UN' };
    }
  }
  return out;
}

function rawText(ds: DataSet, el: Element): string {
  return Buffer.from(ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length))
    .toString('latin1')
    .replace(/[\0 ]+$/, '');
}

function element(
  ds: DataSet,
  key: string,
  el: Element,
  vr: string,
  charset: string | undefined,
  opts: { bulkBase?: string; framesUrl?: string },
): JsonAttr {
  if (vr === 'SQ' || el.items) {
    return {
      vr: 'SQ',
      Value: (el.items ?? []).map((it) =>
        it.dataSet ? dataSetToJson(it.dataSet, { charset: charset ?? '' }) : {},
      ),
    };
  }
  if (el.length === 0 && !el.encapsulatedPixelData) return { vr };
  if (key === 'x7fe00010' && opts.framesUrl)
    return { vr: vr === 'UN' ? 'OW' : vr, BulkDataURI: opts.framesUrl };
  if (BINARY.has(vr) || el.encapsulatedPixelData) {
    if (el.length <= INLINE_MAX && !el.encapsulatedPixelData && el.length !== 0xffffffff) {
      return {
        vr,
        InlineBinary: Buffer.from(ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length)).toString(
          'base64',
        ),
      };
    }
    return opts.bulkBase ? { vr, BulkDataURI: `${opts.bulkBase}/${key.slice(1)}` } : { vr };
  }
  if (['US', 'SS', 'UL', 'SL', 'FL', 'FD', 'AT', 'UV', 'SV'].includes(vr)) {
    if (vr === 'AT') {
      const hex: string[] = [];
      for (let k = 0; k + 4 <= el.length; k += 4) {
        const g = ds.uint16(key, k / 2) ?? 0;
        const e = ds.uint16(key, k / 2 + 1) ?? 0;
        hex.push(`${g.toString(16).padStart(4, '0')}${e.toString(16).padStart(4, '0')}`.toUpperCase());
      }
      return { vr, Value: hex };
    }
    return { vr, Value: numbers(ds, key, el, vr) };
  }
  const bytes = ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
  const s = CHARSET_VRS.has(vr)
    ? decodeText(bytes, charset)
    : Buffer.from(bytes)
        .toString('latin1')
        .replace(/[\0 ]+$/, '');
  if (vr === 'PN') return { vr, Value: personName(s.trim()) };
  const parts = NO_SPLIT.has(vr) ? [s.replace(/\s+$/, '')] : s.split('\\').map((p) => p.trim());
  if (vr === 'DS' || vr === 'IS') return { vr, Value: parts.map((p) => (p === '' ? null : Number(p))) };
  return { vr, Value: parts.map((p) => (p === '' ? null : p)) };
}
