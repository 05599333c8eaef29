import { Type, type Static } from '@sinclair/typebox';

/**
 * A read-only mark taken from a measurement report (DICOM SR) stored in the study, whoever made it: the shape
 * (SCOORD graphic type and points in image pixels) on the image it was drawn on, and the measurements it carries.
 */
export const SrMark = Type.Object({
  srSopInstanceUid: Type.String(),
  sopInstanceUid: Type.String(),
  frame: Type.Integer({ minimum: 0 }),
  graphicType: Type.String(),
  points: Type.Array(Type.Object({ x: Type.Number(), y: Type.Number() })),
  label: Type.String(),
  values: Type.Array(Type.Object({ concept: Type.String(), value: Type.Number(), unit: Type.String() })),
});
export type SrMark = Static<typeof SrMark>;
