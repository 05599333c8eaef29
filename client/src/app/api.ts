import { CSRF_HEADER, type ErrorBody } from '@consult/shared';

/** An API failure with the server's error body (code, message, field). */
export class ApiError extends Error {
  constructor(
    public readonly status: number,
    public readonly body: Partial<ErrorBody>,
  ) {
    super(body.message ?? `request failed (${status})`);
  }
}

let csrfToken: string | null = null;
/** Set from /me and login; sent on every state-changing request. */
export const setCsrfToken = (t: string | null) => {
  csrfToken = t;
};

/** fetch JSON from the API with the session cookie and CSRF header; throws ApiError on non-2xx. */
export async function api<T>(
  method: string,
  url: string,
  body?: unknown,
  init: RequestInit = {},
): Promise<T> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...(init.headers as Record<string, string>),
  };
  if (body !== undefined && !(body instanceof FormData) && !(body instanceof Blob))
    headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers[CSRF_HEADER] = csrfToken;
  const res = await fetch(url, {
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
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const data = text ? (safeJson(text) as unknown) : undefined;
  if (!res.ok) throw new ApiError(res.status, (data as Partial<ErrorBody>) ?? { message: res.statusText });
  return data as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}

export const get = <T>(url: string) => api<T>('GET', url);
export const post = <T>(url: string, body?: unknown) => api<T>('POST', url, body ?? {});
export const put = <T>(url: string, body?: unknown) => api<T>('PUT', url, body ?? {});
export const patch = <T>(url: string, body?: unknown) => api<T>('PATCH', url, body ?? {});
export const del = <T>(url: string) => api<T>('DELETE', url);
