import { Type, type Static } from '@sinclair/typebox';
import { IsoDateTime, Uuid } from './common';

/** Per-file outcome of an upload (browser form or STOW-RS). */
export const UploadStatus = Type.Union([
  Type.Literal('stored'),
  Type.Literal('already_stored'),
  Type.Literal('conflict'),
  Type.Literal('rejected'),
]);
export type UploadStatus = Static<typeof UploadStatus>;

export const UploadResult = Type.Object({
  status: UploadStatus,
  /** Why it was not stored (names the fault); null when stored. */
  reason: Type.Union([Type.String(), Type.Null()]),
  studyInstanceUid: Type.Union([Type.String(), Type.Null()]),
  sopInstanceUid: Type.Union([Type.String(), Type.Null()]),
  /** Our study id (for links to the viewer). */
  studyId: Type.Union([Uuid, Type.Null()]),
});
export type UploadResult = Static<typeof UploadResult>;

export const StudySummary = Type.Object({
  id: Uuid,
  hospitalId: Uuid,
  studyInstanceUid: Type.String(),
  patientName: Type.String(),
  patientId: Type.String(),
  patientSex: Type.String(),
  patientBirthDate: Type.String(),
  /** YYYYMMDD as in DICOM, or ''. */
  studyDate: Type.String(),
  accessionNumber: Type.String(),
  description: Type.String(),
  modalities: Type.Array(Type.String()),
  numSeries: Type.Integer(),
  numInstances: Type.Integer(),
  caseId: Type.Union([Uuid, Type.Null()]),
  createdAt: IsoDateTime,
});
export type StudySummary = Static<typeof StudySummary>;

export const StudyListQuery = Type.Object({
  patientName: Type.Optional(Type.String({ maxLength: 200 })),
  patientId: Type.Optional(Type.String({ maxLength: 64 })),
  modality: Type.Optional(Type.String({ maxLength: 16 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
});
export type StudyListQuery = Static<typeof StudyListQuery>;

export const InstanceSummary = Type.Object({
  sopInstanceUid: Type.String(),
  sopClassUid: Type.String(),
  transferSyntaxUid: Type.String(),
  instanceNumber: Type.Union([Type.Integer(), Type.Null()]),
  frames: Type.Integer(),
  rows: Type.Union([Type.Integer(), Type.Null()]),
  columns: Type.Union([Type.Integer(), Type.Null()]),
});
export type InstanceSummary = Static<typeof InstanceSummary>;

export const SeriesSummary = Type.Object({
  seriesInstanceUid: Type.String(),
  modality: Type.String(),
  seriesNumber: Type.Union([Type.Integer(), Type.Null()]),
  description: Type.String(),
  instances: Type.Array(InstanceSummary),
});
export type SeriesSummary = Static<typeof SeriesSummary>;

export const StudyDetail = Type.Composite([StudySummary, Type.Object({ series: Type.Array(SeriesSummary) })]);
export type StudyDetail = Static<typeof StudyDetail>;

export const StudyCaseLink = Type.Object(
  { caseId: Type.Union([Uuid, Type.Null()]) },
  { additionalProperties: false },
);
export type StudyCaseLink = Static<typeof StudyCaseLink>;

export const SrExportResult = Type.Object({
  sopInstanceUid: Type.String(),
  seriesInstanceUid: Type.String(),
  measurements: Type.Integer(),
});
export type SrExportResult = Static<typeof SrExportResult>;
