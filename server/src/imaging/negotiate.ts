/**
 * WADO-RS content negotiation (PS3.18 §8.7): which representation of an instance or a frame the client accepts.
 * An Accept header is a list of media ranges, each `multipart/related; type="<media type>"[; transfer-syntax=<uid>]`
 * (or the bare media type), with optional `q`. The transfer-syntax parameter defaults to Explicit VR Little Endian
 * for `application/dicom` and `application/octet-stream` (PS3.18 Table 8.7.3-2); `*` means "as stored". A missing
 * Accept header, or `*\/*`, accepts anything: the stored form is sent as it is.
 */
import { DomainError } from '../errors';
import { TS } from './codecs';

export const EXPLICIT_LE = TS.explicitLE;

/** Compressed transfer syntaxes and the frame media type each one travels as (PS3.18 Table 8.7.3-5). */
export const FRAME_MEDIA: Record<string, string> = {
  [TS.jpegBaseline]: 'image/jpeg',
  [TS.jpegExtended]: 'image/jpeg',
  [TS.jpegLossless]: 'image/jpeg',
  [TS.jpegLosslessSV1]: 'image/jpeg',
  [TS.jpegLsLossless]: 'image/jls',
  [TS.jpegLsNear]: 'image/jls',
  [TS.j2kLossless]: 'image/jp2',
  [TS.j2k]: 'image/jp2',
  [TS.rle]: 'image/dicom-rle',
};
/** Media type spellings clients use for the same thing (dicomweb-client, older drafts). */
const ALIASES: Record<string, string> = {
  'image/x-jls': 'image/jls',
  'image/x-dicom-rle': 'image/dicom-rle',
  'image/': 'image/*',
};

/** Transfer syntaxes whose pixel data is stored uncompressed. */
export const NATIVE_TS = new Set<string>([TS.implicitLE, TS.explicitLE, TS.deflated, TS.explicitBE]);

export interface MediaRange {
  /** The payload media type (the multipart `type` parameter, or the bare type), lower case. */
  type: string;
  /** The transfer-syntax parameter as given ('*' or a UID), undefined when absent. */
  transferSyntax?: string;
  q: number;
}

/** Split on a separator outside double quotes. */
function splitOutsideQuotes(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of s) {
    if (ch === '"') quoted = !quoted;
    if (ch === sep && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** The media ranges of an Accept header, most preferred first (stable for equal q). Absent → `*\/*`. */
export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header || !header.trim()) return [{ type: '*/*', q: 1 }];
  const ranges: MediaRange[] = [];
  for (const raw of splitOutsideQuotes(header, ',')) {
    const [head, ...params] = splitOutsideQuotes(raw, ';').map((p) => p.trim());
    if (!head) continue;
    const p = new Map(
      params.map((x) => {
        const i = x.indexOf('=');
        return [
          x.slice(0, i).trim().toLowerCase(),
          x
            .slice(i + 1)
            .trim()
            .replace(/^"|"$/g, ''),
        ] as const;
      }),
    );
    const base = head.toLowerCase();
    const type = base === 'multipart/related' ? (p.get('type')?.toLowerCase() ?? '*/*') : base;
    const q = p.has('q') ? Number(p.get('q')) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    const ts = p.get('transfer-syntax');
    ranges.push({ type: ALIASES[type] ?? type, ...(ts !== undefined && { transferSyntax: ts }), q });
  }
  return ranges
    .map((r, i) => ({ r, i }))
    .sort((a, b) => b.r.q - a.r.q || a.i - b.i)
    .map((x) => x.r);
}

const typeMatches = (range: string, type: string) =>
  range === '*/*' || range === type || (range.endsWith('/*') && type.startsWith(range.slice(0, -1)));

/** What to send: the stored bytes, or a transcoding to Explicit VR Little Endian. */
export type Choice = { transcode: false; ts: string } | { transcode: true; ts: typeof EXPLICIT_LE };

/**
 * The representation of a whole instance (`application/dicom`) for a client's Accept header, given the stored
 * transfer syntax and whether the server can decode it. null when nothing acceptable can be produced.
 */
export function chooseInstance(ranges: MediaRange[], stored: string, decodable: boolean): Choice | null {
  for (const r of ranges) {
    if (!typeMatches(r.type, 'application/dicom')) continue;
    // `*/*` without parameters: anything goes, the stored file is cheapest.
    const wanted = r.transferSyntax ?? (r.type === 'application/dicom' ? EXPLICIT_LE : '*');
    if (wanted === '*' || wanted === stored) return { transcode: false, ts: stored };
    // Implicit → explicit VR changes the encoding, not the values: always possible.
    if (wanted === EXPLICIT_LE && (NATIVE_TS.has(stored) || decodable))
      return { transcode: true, ts: EXPLICIT_LE };
  }
  return null;
}

/**
 * The representation of frames: `application/octet-stream` (native pixels; Explicit VR Little Endian unless `*`),
 * or the compressed media type of the stored syntax (image/jp2, image/jls, image/jpeg, image/dicom-rle) passed
 * through. `decode` is true when compressed frames must be decoded to native pixels.
 */
export function chooseFrames(
  ranges: MediaRange[],
  stored: string,
  decodable: boolean,
): { decode: boolean; ts: string } | null {
  const native = NATIVE_TS.has(stored);
  const media = FRAME_MEDIA[stored];
  for (const r of ranges) {
    if (r.type === '*/*' && r.transferSyntax === undefined) return { decode: false, ts: stored };
    if (media && typeMatches(r.type, media)) {
      const wanted = r.transferSyntax ?? (r.type === media ? stored : '*');
      if (wanted === '*' || wanted === stored) return { decode: false, ts: stored };
    }
    if (typeMatches(r.type, 'application/octet-stream')) {
      const wanted = r.transferSyntax ?? EXPLICIT_LE;
      if (wanted === '*') return { decode: false, ts: stored };
      if (wanted === stored && native) return { decode: false, ts: stored };
      // Big Endian words are swapped to little endian ("decoded"); implicit and deflated bytes are the same.
      if (wanted === EXPLICIT_LE && native) return { decode: stored === TS.explicitBE, ts: EXPLICIT_LE };
      if (wanted === EXPLICIT_LE && decodable) return { decode: true, ts: EXPLICIT_LE };
    }
  }
  return null;
}

/** 406 naming what the resource is available as. */
export function notAcceptable(what: string, available: string[]): DomainError {
  return new DomainError(
    'not_acceptable',
    `${what} is not available in the representation asked for (Accept); available: ${available.join(', ')}`,
  );
}

/** The media ranges a client could ask for to get an instance (for the 406 message and the conformance doc). */
export const instanceOffers = (stored: string, decodable: boolean) => [
  `multipart/related; type="application/dicom"; transfer-syntax=${stored}`,
  ...(stored !== EXPLICIT_LE && (NATIVE_TS.has(stored) || decodable)
    ? [`multipart/related; type="application/dicom"; transfer-syntax=${EXPLICIT_LE}`]
    : []),
];

export const frameOffers = (stored: string, decodable: boolean) => {
  const media = FRAME_MEDIA[stored];
  return [
    ...(media ? [`multipart/related; type="${media}"; transfer-syntax=${stored}`] : []),
    ...(NATIVE_TS.has(stored) || decodable
      ? [`multipart/related; type="application/octet-stream"; transfer-syntax=${EXPLICIT_LE}`]
      : []),
  ];
};
