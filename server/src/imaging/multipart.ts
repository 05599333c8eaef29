/**
 * Streaming multipart/related reader (RFC 2387 / PS3.18 STOW-RS): parts are handed to a sink chunk by chunk,
 * so a batch never sits in memory; only a delimiter-sized tail is buffered between chunks.
 */
export interface PartHandler<S> {
  /** A part begins; return the sink its body goes to. */
  start(headers: Record<string, string>): Promise<S>;
  write(sink: S, chunk: Uint8Array): Promise<void>;
  /** The part ended cleanly. */
  end(sink: S): Promise<void>;
  /** The stream ended or failed in the middle of this part. */
  abort(sink: S): Promise<void>;
}

export class MultipartError extends Error {
  override name = 'MultipartError';
}

/** The `boundary` parameter of a multipart Content-Type, or null. */
export function boundaryOf(contentType: string): string | null {
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

/** The `type` parameter of a multipart/related Content-Type (lower-cased), or null. */
export function relatedTypeOf(contentType: string): string | null {
  const m = /;\s*type=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2] ?? '').toLowerCase() : null;
}

function parseHeaders(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of block.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

export async function readMultipart<S>(
  stream: AsyncIterable<Uint8Array>,
  boundary: string,
  handler: PartHandler<S>,
): Promise<number> {
  const delim = Buffer.from(`\r\n--${boundary}`);
  // A leading CRLF lets the first boundary (which has none before it) match the same delimiter.
  let buf: Buffer = Buffer.from('\r\n');
  type State = 'preamble' | 'afterDelim' | 'headers' | 'body' | 'done';
  let state = 'preamble' as State;
  let sink: S | null = null;
  let parts = 0;
  const maxHeader = 16 * 1024;

  const step = async (final: boolean): Promise<boolean> => {
    switch (state) {
      case 'preamble': {
        const i = buf.indexOf(delim);
        if (i < 0) {
          if (buf.length > delim.length) buf = buf.subarray(buf.length - delim.length);
          return false;
        }
        buf = buf.subarray(i + delim.length);
        state = 'afterDelim';
        return true;
      }
      case 'afterDelim': {
        if (buf.length < 2) return false;
        if (buf[0] === 0x2d && buf[1] === 0x2d) {
          state = 'done';
          return false;
        }
        // Transport padding (spaces/tabs) may precede the CRLF.
        const nl = buf.indexOf('\r\n');
        if (nl < 0) return false;
        buf = buf.subarray(nl + 2);
        state = 'headers';
        return true;
      }
      case 'headers': {
        const end = buf.indexOf('\r\n\r\n');
        // A part with no headers starts directly with CRLF.
        if (buf.length >= 2 && buf[0] === 0x0d && buf[1] === 0x0a) {
          buf = buf.subarray(2);
          sink = await handler.start({});
          parts++;
          state = 'body';
          return true;
        }
        if (end < 0) {
          if (buf.length > maxHeader) throw new MultipartError('a part header block is larger than 16 KiB');
          return false;
        }
        const headers = parseHeaders(buf.subarray(0, end).toString('latin1'));
        buf = buf.subarray(end + 4);
        sink = await handler.start(headers);
        parts++;
        state = 'body';
        return true;
      }
      case 'body': {
        const i = buf.indexOf(delim);
        if (i >= 0) {
          if (i > 0) await handler.write(sink as S, buf.subarray(0, i));
          const s = sink as S;
          sink = null;
          await handler.end(s);
          buf = buf.subarray(i + delim.length);
          state = 'afterDelim';
          return true;
        }
        const keep = final ? 0 : delim.length - 1;
        if (buf.length > keep) {
          await handler.write(sink as S, buf.subarray(0, buf.length - keep));
          buf = Buffer.from(buf.subarray(buf.length - keep));
        }
        return false;
      }
      case 'done':
        return false;
    }
  };

  try {
    for await (const chunk of stream) {
      if (state === 'done') continue; // epilogue
      buf = buf.length ? Buffer.concat([buf, chunk]) : Buffer.from(chunk);
      while (await step(false));
    }
    while (await step(false));
  } catch (e) {
    if (sink !== null) await handler.abort(sink);
    throw e;
  }
  if (state !== 'done') {
    if (sink !== null) await handler.abort(sink);
    if (parts === 0) throw new MultipartError(`no part found with the boundary "${boundary}"`);
    throw new MultipartError('the multipart body ended without its closing boundary (upload cut short?)');
  }
  return parts;
}
