/**
 * Marks from other systems (DICOM SR measurement reports stored in the study, GET /api/imaging/studies/:id/sr-marks)
 * as the viewer shows them: read-only shapes drawn from the SR's SCOORD graphic type and points (PS3.3 C.18.6:
 * POINT, MULTIPOINT, POLYLINE — closed when it ends where it starts —, CIRCLE: centre and a point on the circle,
 * ELLIPSE: the major then the minor axis end points), placed on the image (and frame) the report refers to, and
 * labelled with what was measured and who reported it when. Pure: the layer (srLayer.ts) draws these.
 */
import type { SrMark } from '@consult/shared';
import type { ImageRef } from './AnnotationSync';

export type XY = { x: number; y: number };
export type SrShape =
  | { kind: 'points'; points: XY[] }
  | { kind: 'polyline'; points: XY[]; closed: boolean }
  | { kind: 'circle'; center: XY; edge: XY }
  | { kind: 'ellipse'; major: [XY, XY]; minor: [XY, XY] };

const same = (a: XY, b: XY) => a.x === b.x && a.y === b.y;

/** The shape of a mark in image pixels; null when its graphic type or point count makes no shape. */
export function shapeOf(m: Pick<SrMark, 'graphicType' | 'points'>): SrShape | null {
  const p = m.points;
  switch (m.graphicType) {
    case 'POINT':
      return p.length >= 1 ? { kind: 'points', points: [p[0]!] } : null;
    case 'MULTIPOINT':
      return p.length >= 1 ? { kind: 'points', points: p } : null;
    case 'POLYLINE':
      if (p.length < 2) return null;
      return p.length > 2 && same(p[0]!, p[p.length - 1]!)
        ? { kind: 'polyline', points: p.slice(0, -1), closed: true }
        : { kind: 'polyline', points: p, closed: false };
    case 'CIRCLE':
      return p.length >= 2 ? { kind: 'circle', center: p[0]!, edge: p[1]! } : null;
    case 'ELLIPSE':
      return p.length >= 4 ? { kind: 'ellipse', major: [p[0]!, p[1]!], minor: [p[2]!, p[3]!] } : null;
    default:
      return null;
  }
}

/** The imageId a mark belongs on among the viewer's images (an instance, and the frame of a multi-frame one). */
export function imageIdOfMark(m: Pick<SrMark, 'sopInstanceUid' | 'frame'>, refs: readonly ImageRef[]) {
  return refs.find((r) => r.sopInstanceUid === m.sopInstanceUid && r.frame === m.frame)?.imageId ?? null;
}

/** What was measured: "Long Axis 42.5 mm" (values as the report states them), else the concept label. */
export function valueText(m: Pick<SrMark, 'label' | 'values'>): string {
  if (!m.values.length) return m.label;
  return m.values
    .map(
      (v) => `${v.concept} ${Number(v.value.toPrecision(6))}${v.unit && v.unit !== '1' ? ` ${v.unit}` : ''}`,
    )
    .join(', ');
}

/** Who reported it when: "author · institution · date", with `unknown` for a report that names nobody. */
export function originText(
  m: Pick<SrMark, 'srAuthor' | 'srInstitution' | 'srDate'>,
  unknown: string,
): string {
  return [m.srAuthor ?? (m.srInstitution ? null : unknown), m.srInstitution, m.srDate]
    .filter((x): x is string => !!x)
    .join(' · ');
}

/** One report from elsewhere and its marks, as the side panel lists them. */
export interface SrReportGroup {
  srSopInstanceUid: string;
  author: string | null;
  institution: string | null;
  date: string | null;
  marks: (SrMark & { imageId: string | null; shape: SrShape })[];
}

/**
 * The reports from other systems (not this platform's own SR exports, whose marks are its annotations already),
 * each with its drawable marks placed on the viewer's images; reports with no drawable mark are left out.
 */
export function externalReports(marks: readonly SrMark[], refs: readonly ImageRef[]): SrReportGroup[] {
  const groups = new Map<string, SrReportGroup>();
  for (const m of marks) {
    if (m.srOwnExport) continue;
    const shape = shapeOf(m);
    if (!shape) continue;
    let g = groups.get(m.srSopInstanceUid);
    if (!g) {
      g = {
        srSopInstanceUid: m.srSopInstanceUid,
        author: m.srAuthor,
        institution: m.srInstitution,
        date: m.srDate,
        marks: [],
      };
      groups.set(m.srSopInstanceUid, g);
    }
    g.marks.push({ ...m, imageId: imageIdOfMark(m, refs), shape });
  }
  return [...groups.values()];
}
