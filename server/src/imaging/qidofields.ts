import { badRequest } from '../errors';
import type { JsonAttr, JsonDataSet } from './dicomjson';
import { tagOfKeyword, vrOfTag } from './dictionary';

/**
 * Which attributes a QIDO-RS result carries (PS3.18 §8.3.4 and §10.6.3.3): the required return attributes of its
 * level, the attributes of its level or above named as matching keys or `includefield`, and with
 * `includefield=all` every attribute of its level.
 */
export type Level = 'study' | 'series' | 'instance';
const RANK: Record<Level, number> = { study: 0, series: 1, instance: 2 };

const tags = (s: string) => s.trim().split(/\s+/);

/** Required return attributes (PS3.18 Tables 10.6.3-3, -4 and -5) that the index holds. */
export const DEFAULTS: Record<Level, string[]> = {
  study: tags(`00080005 00080020 00080030 00080050 00080056 00080061 00080090 00081190
    00100010 00100020 00100030 00100040 0020000D 00200010 00201206 00201208`),
  // Study Instance UID: the unique key of the level above, as C-FIND returns it.
  series: tags('00080005 00080056 00080060 0008103E 00081190 0020000D 0020000E 00200011 00201209'),
  instance: tags(
    '00080005 00080016 00080018 00080056 00081190 0020000D 0020000E 00200013 00280008 00280010 00280011 00280100',
  ),
};

/**
 * Study-level attributes (PS3.4 C.6.1.1.2-3, C.6.2.1.2: Patient, General Study and Patient Study modules, and
 * the query-only study keys). Every attribute of group 0010 is a patient or patient-study attribute except
 * Anatomical Orientation Type, which belongs to the series.
 */
const STUDY = new Set(
  tags(`00080020 00080030 00080050 00080051 00080056 00080061 00080062 00080063 00080090 00080096 0008009C
    0008009D 00080201 00081030 00081032 00081048 00081049 00081060 00081062 00081080 00081084 00081110 00081120
    0020000D 00200010 00201070 00201200 00201202 00201204 00201206 00201208 00321032 00321033 00321060 00321064
    00380010 00380014 00380060 00120050 00120051 00120060 00120062 00120063 00120064`),
);
/** Series-level attributes (PS3.4 C.6.1.1.4: General Series, General Equipment, Frame of Reference modules). */
const SERIES = new Set(
  tags(`00080021 00080031 00080060 00080070 00080080 00080081 00081010 00081040 00081041 0008103E 0008103F
    00081050 00081052 00081070 00081072 00081090 00081111 00081250 00102210 00180015 00181000 00181020 00181030
    00181050 00181200 00181201 00185100 0020000E 00200011 00200052 00200060 00201040 00201209 00280108 00280109
    00400244 00400245 00400250 00400251 00400253 00400254 00400260 00400275 00400280 00120071 00120072`),
);

export function levelOf(tag: string): Level {
  if (STUDY.has(tag)) return 'study';
  if (SERIES.has(tag)) return 'series';
  if (tag.startsWith('0010') && tag !== '00102210') return 'study';
  return 'instance';
}

export interface FieldRequest {
  all: boolean;
  /** Attributes asked for by `includefield` or used as matching keys (upper-case hex tags). */
  tags: Set<string>;
}

/** Resolve an attribute named in a query: `00081030` or a keyword; undefined when neither. */
export function resolveTag(name: string): string | undefined {
  if (/^[0-9A-Fa-f]{8}$/.test(name)) return name.toUpperCase();
  return tagOfKeyword(name);
}

/**
 * `includefield` values (repeatable, comma-separated) plus matching keys. An unknown keyword is a 400 that names
 * it; matching keys the dictionary does not know are left alone (they are not attributes).
 */
export function fieldRequest(includefield: string[], matchKeys: string[]): FieldRequest {
  const out: FieldRequest = { all: false, tags: new Set() };
  for (const name of includefield.flatMap((v) => v.split(',')).map((v) => v.trim())) {
    if (!name) continue;
    if (name.toLowerCase() === 'all') {
      out.all = true;
      continue;
    }
    const tag = resolveTag(name);
    if (!tag)
      throw badRequest(
        `includefield "${name}" is neither an attribute tag (8 hex digits) nor a DICOM keyword`,
        '/query/includefield',
      );
    out.tags.add(tag);
  }
  for (const k of matchKeys) {
    const tag = resolveTag(k);
    if (tag) out.tags.add(tag);
  }
  return out;
}

/** The private creator element reserving a private tag's block (gggg,00xx), when the tag is private data. */
function privateCreator(tag: string): string | undefined {
  const group = Number.parseInt(tag.slice(0, 4), 16);
  const elem = Number.parseInt(tag.slice(4), 16);
  if (group % 2 === 0 || elem < 0x1000) return undefined;
  return `${tag.slice(0, 4)}00${tag.slice(4, 6)}`;
}

/** Whether the attributes wanted for a result need the stored instance (anything the index lacks). */
export function needsHeader(level: Level, defaults: string[], req: FieldRequest, indexed: JsonDataSet) {
  return req.all || [...wanted(level, defaults, req)].some((t) => !(t in indexed));
}

function wanted(level: Level, defaults: string[], req: FieldRequest): Set<string> {
  const out = new Set(defaults);
  for (const t of req.tags) {
    if (RANK[levelOf(t)] > RANK[level]) continue; // PS3.18: lower-level attributes are not returned
    out.add(t);
    const creator = privateCreator(t);
    if (creator) out.add(creator);
  }
  return out;
}

/**
 * One result: `indexed` holds every attribute the index knows for it (its level and above), `header` the stored
 * representative instance's attributes (only when `needsHeader`). Indexed values win: they are what matching
 * used. A requested attribute with no value anywhere is returned empty when its VR is known.
 */
export function assemble(
  level: Level,
  defaults: string[],
  req: FieldRequest,
  indexed: JsonDataSet,
  header: JsonDataSet | null,
): JsonDataSet {
  const out: Record<string, JsonAttr> = {};
  for (const t of wanted(level, defaults, req)) {
    const a = indexed[t] ?? header?.[t];
    if (a) out[t] = a;
    else {
      const vr = vrOfTag(t);
      if (vr && !defaults.includes(t)) out[t] = { vr };
    }
  }
  if (req.all) {
    for (const [t, a] of Object.entries(header ?? {})) if (!(t in out) && levelOf(t) === level) out[t] = a;
    for (const [t, a] of Object.entries(indexed)) if (!(t in out) && levelOf(t) === level) out[t] = a;
  }
  return Object.fromEntries(
    Object.keys(out)
      .sort()
      .map((t) => [t, out[t]!]),
  );
}
