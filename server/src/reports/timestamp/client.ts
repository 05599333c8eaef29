/**
 * RFC 3161 over HTTP (§3.4): POST the TimeStampReq as application/timestamp-query, read the
 * application/timestamp-reply, check it (tsp.ts). One attempt, bounded by a timeout; retries are the caller's.
 */
import { buildRequest, TimestampError, verifyResponse, type VerifiedToken } from './tsp';
import type { TsaTrust } from './trust';

export interface TsaEndpoint {
  url: string;
  trust: TsaTrust;
  timeoutMs: number;
}

/** A verified time-stamp token over `data` (e.g. signature bytes), or a TimestampError saying why not. */
export async function requestTimestamp(tsa: TsaEndpoint, data: Buffer): Promise<VerifiedToken> {
  const req = buildRequest(data);
  let res: Response;
  try {
    res = await fetch(tsa.url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
      body: new Uint8Array(req.der),
      signal: AbortSignal.timeout(tsa.timeoutMs),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    throw new TimestampError(`the TSA at ${tsa.url} did not answer (${cause ?? (e as Error).message})`);
  }
  const body = Buffer.from(await res.arrayBuffer());
  if (!res.ok) throw new TimestampError(`the TSA at ${tsa.url} answered HTTP ${res.status}`);
  const type = res.headers.get('content-type') ?? '';
  if (!type.startsWith('application/timestamp-reply'))
    throw new TimestampError(
      `the TSA answered ${type || 'no content type'}, not application/timestamp-reply`,
    );
  return verifyResponse(body, data, req, tsa.trust);
}
