import { Type, type Static } from '@sinclair/typebox';

/**
 * A read-only mark taken from a measurement report (DICOM SR) stored in the study, whoever made it: the shape
 * (SCOORD graphic type and points in image pixels) on the image it was drawn on, the measurements it carries, and
 * the report's author, institution and content date (YYYY-MM-DD) as the viewer labels it. `srOwnExport`: the report
 * is this platform's own SR export (its marks are the platform's annotations already).
 */
export const SrMark = Type.Object({
  srSopInstanceUid: Type.String(),
  sopInstanceUid: Type.String(),
  frame: Type.Integer({ minimum: 0 }),
  graphicType: Type.String(),
  points: Type.Array(Type.Object({ x: Type.Number(), y: Type.Number() })),
  label: Type.String(),
  values: Type.Array(Type.Object({ concept: Type.String(), value: Type.Number(), unit: Type.String() })),
  srAuthor: Type.Union([Type.String(), Type.Null()]),
  srInstitution: Type.Union([Type.String(), Type.Null()]),
  srDate: Type.Union([Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), Type.Null()]),
  srOwnExport: Type.Boolean(),
});
export type SrMark = Static<typeof SrMark>;
