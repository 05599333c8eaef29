/**
 * A random UUID (version 4) made in the browser, for ids a client chooses (a chat message's, so that asking again
 * posts it once). `crypto.randomUUID` exists only in a secure context (HTTPS or localhost), and a deployment may
 * serve plain HTTP on a hospital's network (`PUBLIC_URL`); `crypto.getRandomValues` exists everywhere.
 */
export function newId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
