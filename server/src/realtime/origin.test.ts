/**
 * The socket.io handshake checks Origin against PUBLIC_URL: a page on another site cannot open a socket with the
 * user's cookie (cross-site WebSocket hijacking), over WebSocket or long-polling; the platform's own pages can.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient } from 'socket.io-client';
import { SESSION_COOKIE } from '@consult/shared';
import { DEMO_PASSWORD, startTestServer } from '../testing/harness';

type Server = Awaited<ReturnType<typeof startTestServer>>;

async function cookieFor(base: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'lankao.doctor', password: DEMO_PASSWORD }),
  });
  expect(res.status).toBe(200);
  return `${SESSION_COOKIE}=${/consult_sid=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1]}`;
}

/** 'connected' or the connect_error message; bounded by socket.io's own timeout. */
function tryConnect(base: string, cookie: string, origin: string | null, transport: 'websocket' | 'polling') {
  return new Promise<string>((resolve) => {
    const s = ioClient(base, {
      path: '/socket.io',
      transports: [transport],
      reconnection: false,
      timeout: 10_000,
      extraHeaders: { cookie, ...(origin ? { origin } : {}) },
    });
    s.on('connect', () => {
      s.close();
      resolve('connected');
    });
    s.on('connect_error', (err) => {
      s.close();
      resolve(`refused: ${err.message}`);
    });
  });
}

describe.each(['websocket', 'polling'] as const)('socket.io Origin check over %s', (transport) => {
  let server: Server;
  let cookie: string;
  beforeAll(async () => {
    server = await startTestServer('pglite');
    cookie = await cookieFor(server.url);
  });
  afterAll(() => server.close());

  it('accepts the platform origin and clients that send none; refuses any other origin', async () => {
    expect(await tryConnect(server.url, cookie, server.url, transport)).toBe('connected');
    expect(await tryConnect(server.url, cookie, null, transport)).toBe('connected');
    for (const evil of [
      'https://evil.example',
      'http://127.0.0.1:1',
      'null',
      server.url.replace('127.0.0.1', 'localhost'),
    ]) {
      expect(await tryConnect(server.url, cookie, evil, transport), evil).toMatch(/^refused/);
    }
  });
});

describe('with PUBLIC_URL set (behind a proxy)', () => {
  let server: Server;
  let cookie: string;
  beforeAll(async () => {
    server = await startTestServer('pglite', { publicUrl: 'https://consult.example.org' });
    cookie = await cookieFor(server.url);
  });
  afterAll(() => server.close());

  it('accepts exactly the PUBLIC_URL origin', async () => {
    expect(await tryConnect(server.url, cookie, 'https://consult.example.org', 'websocket')).toBe(
      'connected',
    );
    expect(await tryConnect(server.url, cookie, server.url, 'websocket')).toMatch(/^refused/);
    expect(
      await tryConnect(server.url, cookie, 'https://consult.example.org.evil.example', 'websocket'),
    ).toMatch(/^refused/);
  });
});
