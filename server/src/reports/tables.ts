import type { Generated, Selectable } from 'kysely';
import type { ReportStatus } from '@consult/shared';
import type { DateCol, GeneratedTimestamp, Timestamp } from '../db/tables';

export interface ReportTable {
  id: string;
  consultation_id: string;
  author_id: string;
  status: ReportStatus;
  /** JSON of ReportContent while a draft (or an amendment) is open; null once signed. */
  draft_content: string | null;
  /** Optimistic-concurrency token of the draft; every save bumps it. */
  draft_revision: Generated<number>;
  draft_updated_at: GeneratedTimestamp;
  draft_updated_by: string;
  amendment_reason: string | null;
  current_version: Generated<number>;
  first_signed_at: Timestamp | null;
  acknowledged_at: Timestamp | null;
  acknowledged_by: string | null;
  next_follow_up_date: DateCol | null;
  /** Human number (CODE-YYYY-NNNNNN), assigned at first signing; outside the signed payload. Null before. */
  report_number: Generated<string | null>;
  created_at: GeneratedTimestamp;
}

/** The short code a signing hospital's report numbers start with (derived once from its English name). */
export interface ReportIssuerTable {
  hospital_id: string;
  code: string;
}

/** The last report number issued per hospital and year. */
export interface ReportNumberSequenceTable {
  hospital_id: string;
  year: number;
  last_seq: number;
}

/** Signed versions: never updated or deleted by the application. */
export interface ReportVersionTable {
  report_id: string;
  version: number;
  payload: string;
  signature: string;
  key_fingerprint: string;
  signed_by: string;
  signed_at: Timestamp;
  /** ed25519 | p256 | sm2 with the signer's own key; null: the deployment key (before per-signer keys). */
  algorithm: Generated<string | null>;
  /** The signer's certificate (PEM) the signature verifies against; null for the deployment key. */
  certificate_pem: Generated<string | null>;
  signer_key_id: Generated<string | null>;
}

/** One append-only row per signature (never updated or deleted): the head verification compares with. */
export interface ReportSignatureLogTable {
  report_id: string;
  version: number;
  signature_sha256: string;
  logged_at: GeneratedTimestamp;
}

/**
 * The PDF of a version signed with the doctor's own key, one per language (migration
 * 2026_12_04_0100_report_signed_pdfs): written in the signing transaction, never updated.
 */
export interface ReportSignedPdfTable {
  report_id: string;
  version: number;
  lang: 'zh-CN' | 'en';
  /** Object key in the `reports` storage namespace. */
  storage_key: string;
  /** sha256 (hex) of the file, checked when it is served. */
  sha256: string;
  size: number;
  /** Subject of the certificate that signed the PDF (the doctor's). */
  certificate_subject: string;
  /** Whether an RFC 3161 signature-time-stamp is embedded in the PDF's CMS. */
  timestamped: boolean;
  created_at: GeneratedTimestamp;
}

export type ReportRow = Selectable<ReportTable>;
export type ReportVersionRow = Selectable<ReportVersionTable>;
export type ReportSignedPdfRow = Selectable<ReportSignedPdfTable>;
