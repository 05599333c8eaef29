import type { ColumnType, Selectable } from 'kysely';
import type { GeneratedTimestamp, Timestamp } from '../db/tables';

/** bigint: pg returns text for int8; always wrap with Number(). */
type BigCol = ColumnType<string | number, number, number>;

export interface ImagingPatientTable {
  id: string;
  hospital_id: string;
  /** (0010,0020); '' when absent (then the record belongs to exactly one study). */
  patient_id: string;
  /** Issuer of Patient ID (0010,0021); '' when absent. Patients match on hospital + issuer + patient_id. */
  issuer: ColumnType<string, string | undefined, string>;
  /** Set by the identity migration on records split from a shared empty-ID record: re-read from the header. */
  refresh_demographics: ColumnType<boolean, boolean | undefined, boolean>;
  /** (0010,0010) decoded with Specific Character Set, DICOM PN form (`Family^Given=Ideographic`). */
  patient_name: string;
  birth_date: string;
  sex: string;
  created_at: GeneratedTimestamp;
}

export interface ImagingStudyTable {
  id: string;
  hospital_id: string;
  patient_ref: string;
  study_uid: string;
  /** DA as stored (YYYYMMDD) or ''. */
  study_date: string;
  study_time: string;
  accession_number: string;
  study_id: string;
  study_description: string;
  referring_physician: string;
  /** Optional link to a patient case of the patient-files capability. */
  case_id: string | null;
  uploaded_by: string | null;
  created_at: GeneratedTimestamp;
}

export interface ImagingSeriesTable {
  id: string;
  study_ref: string;
  series_uid: string;
  modality: string;
  series_number: number | null;
  series_description: string;
  body_part: string;
}

export interface ImagingInstanceTable {
  id: string;
  hospital_id: string;
  study_ref: string;
  series_ref: string;
  sop_uid: string;
  sop_class_uid: string;
  transfer_syntax_uid: string;
  instance_number: number | null;
  rows: number | null;
  columns: number | null;
  frames: number;
  bits_allocated: number | null;
  /** Native, not deflated pixel data: byte offset of frame 1 in the blob and the bytes per frame (range reads). */
  pixel_offset: ColumnType<string | number | null, number | null | undefined, number | null>;
  frame_length: ColumnType<string | number | null, number | null | undefined, number | null>;
  /** Encapsulated or bit-packed frames: JSON `{ items: [start, end, …] }` or `{ offset, frameBits }` (frames.ts). */
  frame_spans: ColumnType<string | null, string | null | undefined, string | null>;
  /** Version of the validating scan that checked the row (0: stored before it; re-validated). */
  scan_version: ColumnType<number, number | undefined, number>;
  /** Why a re-validated instance is refused to readers; null when it passed. */
  quarantine: ColumnType<string | null, string | null | undefined, string | null>;
  sha256: string;
  size: BigCol;
  uploaded_by: string | null;
  created_at: GeneratedTimestamp;
}

export interface ImagingAnnotationTable {
  id: string;
  study_ref: string;
  instance_ref: string;
  frame: number;
  tool: string;
  /** JSON text: the annotation model's points, [x, y] in image pixels (shared/src/annotations/model.ts). */
  points: string;
  /** The arrow's words, or a label; null when none. */
  text: string | null;
  /** JSON text: Measurement[] computed by the server; null on rows migrated from the old shape until first read. */
  measurements: string | null;
  author_id: string;
  version: number;
  created_at: GeneratedTimestamp;
  updated_at: Timestamp;
}

export type ImagingStudyRow = Selectable<ImagingStudyTable>;
export type ImagingSeriesRow = Selectable<ImagingSeriesTable>;
export type ImagingInstanceRow = Selectable<ImagingInstanceTable>;
export type ImagingAnnotationRow = Selectable<ImagingAnnotationTable>;
