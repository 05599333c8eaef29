/**
 * Uploads cut off by the network (a county WAN dropping mid-STOW, a browser tab closed): at every point of the
 * body — in the headers of the first part, inside a file, between parts, one byte before the end — and on both
 * upload routes, the connection is reset by the client. The server must log it as the client's doing (info), never
 * as an error or a database outage, keep nothing of it (no study, no temp part), and go on serving.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_HEADER, SESSION_COOKIE } from '@consult/shared';
import { DEMO_PASSWORD, DIALECTS, startTestServer } from '../testing/harness';
import { CT_SERIES, stowBody } from './testkit';
import { instancesArriving } from './ingest-batch';

interface LogLine {
  level: number;
  msg: string;
}

describe.each(DIALECTS)('uploads cut off by the client (%s)', (dialect) => {
  const lines: LogLine[] = [];
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let auth: { cookie: string; csrf: string };
  const port = () => Number(new URL(server.url).port);

  beforeAll(async () => {
    const stream = { write: (l: string) => void lines.push(JSON.parse(l) as LogLine) };
    server = await startTestServer(dialect, {}, { level: 'info', stream });
    const res = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'lankao.doctor', password: DEMO_PASSWORD }),
    });
    const cookie = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(res.headers.get('set-cookie') ?? '')?.[1];
    auth = { cookie: cookie!, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
  }, 120_000);
  afterAll(() => server?.close());

  /** Send the request's head and the first `cut` bytes of its body, then reset the connection. */
  async function cutOff(url: string, contentType: string, body: Buffer, cut: number) {
    const sock = net.connect(port(), '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    const head =
      `POST ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${contentType}\r\n` +
      `Content-Length: ${body.length}\r\nCookie: ${SESSION_COOKIE}=${auth.cookie}\r\n` +
      `${CSRF_HEADER}: ${auth.csrf}\r\n\r\n`;
    await new Promise<void>((r) =>
      sock.write(Buffer.concat([Buffer.from(head), body.subarray(0, cut)]), () => r()),
    );
    sock.resetAndDestroy();
  }

  const clientGone = () => lines.filter((l) => /client closed the connection/.test(l.msg)).length;
  async function until(cond: () => boolean) {
    for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
    return cond();
  }

  it('logs each as the client going away, keeps nothing, and serves the next upload', async () => {
    const files = CT_SERIES()
      .slice(0, 3)
      .map((f) => fs.readFileSync(f.abs));
    const stow = stowBody(files);
    const single = files[0]!;
    const firstPart = stow.body.indexOf(Buffer.from('\r\n\r\n')) + 4;
    const cases: [string, string, Buffer, number][] = [
      ['/dicomweb/studies', stow.contentType, stow.body, 20], // inside the first part's headers
      ['/dicomweb/studies', stow.contentType, stow.body, firstPart + 1000], // inside the first file
      ['/dicomweb/studies', stow.contentType, stow.body, firstPart + files[0]!.length + 2], // between parts
      ['/dicomweb/studies', stow.contentType, stow.body, stow.body.length - 1], // one byte short
      ['/api/imaging/instances', 'application/dicom', single, 132], // after the preamble
      ['/api/imaging/instances', 'application/dicom', single, single.length - 1],
    ];
    for (const [i, [url, type, body, cut]] of cases.entries()) {
      await cutOff(url, type, body, cut);
      expect(
        await until(() => clientGone() === i + 1),
        `cut ${i} (${url} at ${cut}) not logged: ${JSON.stringify(lines.slice(-4))}`,
      ).toBe(true);
    }
    expect(lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);

    const studies = await fetch(`${server.url}/api/imaging/studies`, {
      headers: { cookie: `${SESSION_COOKIE}=${auth.cookie}` },
    });
    expect(await studies.json()).toEqual([]); // a fresh database: nothing of the cut uploads was kept
    const tmp = path.join(server.config.dataDir, 'imaging', 'tmp');
    expect(fs.readdirSync(tmp)).toEqual([]);
    // No cut part is still counted as on its way to the group commit (every later batch would wait for it).
    expect(instancesArriving(server.dbh.db)).toBe(0);

    // The next, whole upload goes through.
    const whole = await fetch(`${server.url}/dicomweb/studies`, {
      method: 'POST',
      headers: {
        'content-type': stow.contentType,
        cookie: `${SESSION_COOKIE}=${auth.cookie}`,
        [CSRF_HEADER]: auth.csrf,
      },
      body: stow.body,
    });
    expect(whole.status).toBe(200);
    const after = (await (
      await fetch(`${server.url}/api/imaging/studies`, {
        headers: { cookie: `${SESSION_COOKIE}=${auth.cookie}` },
      })
    ).json()) as unknown[];
    expect(after.length).toBeGreaterThan(0);
  }, 120_000);
});
