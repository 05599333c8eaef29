import { CSRF_HEADER, type ErrorBody, type Locale } from '@consult/shared';
import { currentLocale, hasMessage, translate } from './i18n';
import { holdPage } from './leave-guard';

/**
 * The server's error body in the user's language: `error.<code>.<context>` (the request, e.g. login), then
 * `error.<code>.<field>` (the offending field), then `error.<code>` with the field's label. The server's own
 * (English) sentence is added only for English readers.
 */
export function localizedError(
  locale: Locale,
  status: number,
  body: Partial<ErrorBody>,
  context?: string,
): string {
  const code = body.code ?? (status === 0 ? null : status >= 500 ? 'internal' : 'validation');
  if (!code) return translate(locale, 'error.network');
  const leaf = body.field
    ?.split('/')
    .filter(Boolean)
    .at(-1)
    ?.replace(/\[\d+\]$/, '');
  const specific = [
    context && leaf && `error.${code}.${context}.${leaf}`,
    context && `error.${code}.${context}`,
    leaf && `error.${code}.${leaf}`,
  ].find((k): k is string => !!k && hasMessage(locale, k));
  let message = translate(
    locale,
    specific ?? (hasMessage(locale, `error.${code}`) ? `error.${code}` : 'error.internal'),
  );
  if (!specific && leaf && hasMessage(locale, `field.${leaf}`))
    message = translate(locale, 'error.withField', { message, field: translate(locale, `field.${leaf}`) });
  if (locale === 'en' && body.message && !specific) message = `${message}: ${body.message}`;
  return message;
}

/** An API failure: `message` is already in the user's language; `body` keeps the server's code and text. */
export class ApiError extends Error {
  constructor(
    public readonly status: number,
    public readonly body: Partial<ErrorBody>,
    public readonly context?: string,
  ) {
    super(localizedError(currentLocale(), status, body, context));
  }
  get code(): string | undefined {
    return this.body.code;
  }
}

/** Any failure as text in a locale: API errors re-translated (the user may have switched language since). */
export function errorText(locale: Locale, error: unknown): string {
  if (error instanceof ApiError) return localizedError(locale, error.status, error.body, error.context);
  return error instanceof Error ? error.message : String(error);
}

/** The request a failure message may be refined by (see `error.<code>.<context>` keys). */
const contextOf = (url: string) =>
  url.startsWith('/api/auth/login')
    ? 'login'
    : /^\/api\/reports\/[^/]+\/sign$/.test(url)
      ? 'sign'
      : url.startsWith('/api/signers/me/')
        ? 'signer'
        : url.startsWith('/api/signers/keys/')
          ? 'signerRevoke'
          : undefined;

let csrfToken: string | null = null;
/** Set from /me and login; sent on every state-changing request. */
export const setCsrfToken = (t: string | null) => {
  csrfToken = t;
};

/** State-changing requests not yet answered (a saved preference, an annotation, a report edit). */
const writesInFlight = new Set<Promise<unknown>>();

/**
 * Resolves once every state-changing request started so far has been answered, whatever the answer. Signing
 * out waits on it, so a change the user made just before cannot reach the server after the session is gone
 * (and be refused, and lost).
 */
export async function writesSettled(): Promise<void> {
  while (writesInFlight.size > 0) await Promise.allSettled([...writesInFlight]);
}

/** Count `p` among the writes in flight until it settles; meanwhile leaving asks first (leave-guard.ts). */
export function trackWrite<T>(p: Promise<T>): Promise<T> {
  writesInFlight.add(p);
  const release = holdPage();
  const done = () => {
    writesInFlight.delete(p);
    release();
  };
  p.then(done, done);
  return p;
}

/** fetch JSON from the API with the session cookie and CSRF header; throws ApiError on non-2xx. */
export function api<T>(method: string, url: string, body?: unknown, init: RequestInit = {}): Promise<T> {
  const request = send<T>(method, url, body, init);
  return method === 'GET' ? request : trackWrite(request);
}

async function send<T>(method: string, url: string, body: unknown, init: RequestInit): Promise<T> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...(init.headers as Record<string, string>),
  };
  if (body !== undefined && !(body instanceof FormData) && !(body instanceof Blob))
    headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers[CSRF_HEADER] = csrfToken;
  let res: Response;
  try {
    res = await fetch(url, {
      ...init,
      method,
      headers,
      credentials: 'same-origin',
      body:
        body === undefined
          ? undefined
          : body instanceof FormData || body instanceof Blob
            ? body
            : JSON.stringify(body),
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, {});
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const data = text ? (safeJson(text) as unknown) : undefined;
  if (!res.ok) throw new ApiError(res.status, errorBody(data), contextOf(url));
  return data as T;
}

/** The error body of a failed response; anything that is not one (a proxy's HTML page) keeps no text. */
export function errorBody(data: unknown): Partial<ErrorBody> {
  const d = data as Partial<ErrorBody> | undefined;
  return d && typeof d === 'object' && typeof d.code === 'string' ? d : {};
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const get = <T>(url: string) => api<T>('GET', url);
export const post = <T>(url: string, body?: unknown) => api<T>('POST', url, body ?? {});
export const put = <T>(url: string, body?: unknown) => api<T>('PUT', url, body ?? {});
export const patch = <T>(url: string, body?: unknown) => api<T>('PATCH', url, body ?? {});
export const del = <T>(url: string) => api<T>('DELETE', url);
