/** Error codes on the wire (HTTP bodies and socket acks). The server maps each to one HTTP status. */
export const ERROR_STATUS = {
  validation: 400,
  unauthenticated: 401,
  /** Password right; the account's second factor (TOTP or a recovery code) is needed too. */
  mfa_required: 401,
  /** The role requires a second factor this user has not enrolled: only enrolment is open. */
  mfa_enrolment_required: 403,
  csrf: 403,
  forbidden: 403,
  /** A mark (annotation) is changed or deleted by someone other than its author. */
  not_author: 403,
  not_found: 404,
  not_acceptable: 406,
  conflict: 409,
  invalid_transition: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  locked: 423,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
  /** Signing with a personal key: its PDF could not be rendered, signed or stored, so the report was not signed. */
  pdf_signing_failed: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  error: string;
  message: string;
  /** For validation errors: the offending field, as a JSON pointer-ish path like `/body/name`. */
  field?: string;
}
