import { ERROR_STATUS, ErrorResponse, type ErrorBody, type ErrorCode } from '@consult/shared';

/** A failure the caller can act on. Services throw these; one handler maps them to HTTP and socket acks. */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    public readonly code: ErrorCode,
    message: string,
    public readonly field?: string,
  ) {
    super(message);
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (what: string) => new DomainError('not_found', `${what} not found`);
export const forbidden = (why = 'not allowed for your role') => new DomainError('forbidden', why);
export const conflict = (why: string) => new DomainError('conflict', why);
export const badRequest = (why: string, field?: string) => new DomainError('validation', why, field);

const HTTP_NAMES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  423: 'Locked',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function errorBody(code: ErrorCode, message: string, field?: string): ErrorBody {
  const statusCode = ERROR_STATUS[code];
  return { statusCode, code, error: HTTP_NAMES[statusCode] ?? 'Error', message, ...(field ? { field } : {}) };
}

/** Errors that mean the database is unreachable (connection refused, timeout, shutdown), → 503. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  if (
    e.code &&
    [
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      'ENOTFOUND',
      'EPIPE',
      'EHOSTUNREACH',
      '57P01', // admin shutdown (a restart terminates every backend)
      '57P02', // crash shutdown
      '57P03', // cannot connect now (starting up / shutting down)
      '53300', // too many connections
      '08006',
      '08001',
      '08003',
    ].includes(e.code)
  )
    return true;
  const m = e.message ?? '';
  return /timeout exceeded when trying to connect|Connection terminated|is not queryable|PGLite not initialized|PGlite is closed|driver has already been destroyed/i.test(
    m,
  );
}

/**
 * PostgreSQL "data exception" errors (class 22: out of range, invalid text, bad encoding, too long): a value
 * the request validation should have refused. Mapped to 400 so a gap in a schema is a clear refusal, never a 500.
 */
export function isRefusedValue(err: unknown): boolean {
  const e = err as { code?: unknown; severity?: unknown } | null;
  return (
    !!e && typeof e.code === 'string' && /^22[0-9A-Z]{3}$/.test(e.code) && typeof e.severity === 'string'
  );
}

/** Response schemas of the errors any API route may answer (each body an ErrorResponse). */
export const errorResponses = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
};
