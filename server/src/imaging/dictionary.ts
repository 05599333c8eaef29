import { createRequire } from 'node:module';
import type * as PS36Module from '@iwharris/dicom-data-dictionary';

/**
 * VRs of common attributes, for data sets in Implicit VR Little Endian (whose elements carry no VR). Not a full
 * data dictionary: an implicit element not listed here is sent as UN (InlineBinary / BulkDataURI), which
 * PS3.18 permits.
 */
const RAW = `
00020000UL 00020001OB 00020002UI 00020003UI 00020010UI 00020012UI 00020013SH 00020016AE
00080005CS 00080008CS 00080012DA 00080013TM 00080014UI 00080016UI 00080018UI 00080020DA 00080021DA 00080022DA
00080023DA 00080030TM 00080031TM 00080032TM 00080033TM 00080050SH 00080060CS 00080061CS 00080064CS 00080070LO
00080080LO 00080090PN 00081010SH 00081030LO 0008103ELO 00081040LO 00081050PN 00081070PN 00081090LO 00081140SQ
00081150UI 00081155UI 00081160IS 00081199SQ 00082111ST 00089215SQ 00080100SH 00080102SH 00080104LO 00080105CS
00100010PN 00100020LO 00100021LO 00100030DA 00100040CS 00101010AS 00101020DS 00101030DS 00104000LT
00180015CS 00180050DS 00180060DS 00180088DS 00181020LO 00181030LO 00181150IS 00181151IS 00181152IS 00181160SH
00185100CS 00181164DS 00181170IS 00181210SH 00180080DS 00180081DS 00180091IS 00180087DS 00181314DS
0020000DUI 0020000EUI 00200010SH 00200011IS 00200012IS 00200013IS 00200020CS 00200032DS 00200037DS 00200052UI
00201040LO 00201041DS 00204000LT 00200060CS 00209057UL 00209128UL
00280002US 00280004CS 00280006US 00280008IS 00280009AT 00280010US 00280011US 00280030DS 00280034IS 00280100US
00280101US 00280102US 00280103US 00280106US 00280107US 00281050DS 00281051DS 00281052DS 00281053DS 00281054LO
00281055LO 00282110CS 00282112DS 00282114CS 00281101US 00281102US 00281103US 00281201OW 00281202OW 00281203OW
00283010SQ 00283002US 00283006US 00283003LO
0040A010CS 0040A040CS 0040A043SQ 0040A050CS 0040A120DT 0040A121DA 0040A122TM 0040A123PN 0040A124UI 0040A160UT
0040A168SQ 0040A300SQ 0040A30ADS 004008EASQ 0040A504SQ 0040A730SQ 0040A491CS 0040A493CS 0040A375SQ 0040A370SQ
0040A372SQ 0040A078SQ 0040A073SQ 0040A07ASQ 0040A07CSQ 0040A088SQ 0040A027LO 0040DB00CS 0040A032DT
300A0002SH 300A0003LO 300A0004ST 300A0006DA 300A0007TM 300A000ACS 30060002SH 30060008DA 30060009TM 30060010SQ
30060020SQ 30060039SQ 30080002SQ 3004000CDS 3004000ECS 30040002CS 30040004CS 30040006LO 3004000ADS
7FE00010OW FFFEE000UN`;

export const VR_OF: Record<string, string> = Object.fromEntries(
  RAW.trim()
    .split(/\s+/)
    .map((t) => [`x${t.slice(0, 8).toLowerCase()}`, t.slice(8)]),
);

/**
 * Keyword ↔ tag resolution over the full PS3.6 data dictionary (published 2019e revision, as packaged by
 * `@iwharris/dicom-data-dictionary`): QIDO `includefield` and matching keys name attributes by keyword.
 * Repeating-group entries (`50xx`, `60xx`) are not keywords one can ask for and are left out. The package is 1.3 MB
 * of generated JavaScript (~4 MB of heap once loaded): it is loaded when a request first needs it, not at start
 * (issue 14's idle footprint).
 */
interface Dictionary {
  tagOfKeyword: Map<string, string>;
  keywordOfTag: Map<string, string>;
  vrOfTag: Map<string, string>;
  /** Tags defined with a choice of VRs ("US or SS", "OB or OW"): the one that keeps the bytes as they are. */
  ambiguousVr: Map<string, string>;
}

let loaded: Dictionary | null = null;

function dictionary(): Dictionary {
  if (loaded) return loaded;
  const PS36 = createRequire(import.meta.url)('@iwharris/dicom-data-dictionary') as typeof PS36Module;
  const d: Dictionary = {
    tagOfKeyword: new Map(),
    keywordOfTag: new Map(),
    vrOfTag: new Map(),
    ambiguousVr: new Map(),
  };
  for (const e of Object.values(PS36.elements)) {
    const tag = /^\(([0-9A-F]{4}),([0-9A-F]{4})\)$/.exec(e.tag);
    if (!tag) continue;
    const hex = `${tag[1]}${tag[2]}`;
    if (e.keyword) {
      d.tagOfKeyword.set(e.keyword.toLowerCase(), hex);
      d.keywordOfTag.set(hex, e.keyword);
    }
    // A single VR only ("US or SS" depends on Pixel Representation, so it stays unknown here).
    if (/^[A-Z]{2}$/.test(e.vr)) d.vrOfTag.set(hex, e.vr);
    else if (/ or /.test(e.vr)) d.ambiguousVr.set(hex, e.vr.includes('OW') ? 'OW' : e.vr.slice(0, 2));
  }
  return (loaded = d);
}

/** `StudyDescription` (any case) → `00081030`; undefined for a name the dictionary does not hold. */
export const tagOfKeyword = (keyword: string): string | undefined =>
  dictionary().tagOfKeyword.get(keyword.toLowerCase());
/** `00081030` → `StudyDescription`. */
export const keywordOfTag = (tag: string): string | undefined =>
  dictionary().keywordOfTag.get(tag.toUpperCase());
/** The VR a tag is defined with (e.g. `00081030` → `LO`), when it has exactly one. */
export const vrOfTag = (tag: string): string | undefined => dictionary().vrOfTag.get(tag.toUpperCase());

/**
 * The VR to write for an element read from Implicit VR data: the dictionary's, a byte-preserving choice among
 * several ("US or SS" → US, "OB or OW" → OW), UL for group lengths, else UN (private and unknown tags).
 */
export const vrForImplicit = (tag: string): string =>
  vrOfTag(tag) ??
  dictionary().ambiguousVr.get(tag.toUpperCase()) ??
  (VR_OF[`x${tag.toLowerCase()}`] || (tag.endsWith('0000') ? 'UL' : 'UN'));
