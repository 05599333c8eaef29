/**
 * The HTTP text rule holds for socket.io too (issue 12): every client → server event (generated over the typed
 * event map's run-time list, CLIENT_EVENTS) whose payload holds NUL or a lone UTF-16 surrogate — in a value or a
 * key, at any depth — is refused with a `validation` ack naming the field, reaches no handler (nothing stored)
 * and leaves the connection working. Long-polling responses carry Cache-Control: no-store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient, type Socket } from 'socket.io-client';
import { CLIENT_EVENTS, SESSION_COOKIE } from '@consult/shared';
import { DEMO_PASSWORD, startTestServer } from '../testing/harness';

type Server = Awaited<ReturnType<typeof startTestServer>>;

const POISONS: [string, unknown, RegExp][] = [
  ['NUL in a value', { roundId: 'a\u0000b', text: 'x' }, /\/roundId: text must not contain NUL/],
  ['lone surrogate in a nested value', { a: { b: ['ok', '\ud800'] } }, /\/a\/b\/1: /],
  ['NUL in a key', { ['k\u0000']: 1 }, /\/k\\u0000: /],
];

describe('socket payloads follow the text rule', () => {
  let server: Server;
  let socket: Socket;
  beforeAll(async () => {
    server = await startTestServer('pglite');
    const res = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'lankao.doctor', password: DEMO_PASSWORD }),
    });
    const cookie = `${SESSION_COOKIE}=${/consult_sid=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1]}`;
    socket = ioClient(server.url, {
      path: '/socket.io',
      transports: ['websocket'],
      reconnection: false,
      extraHeaders: { cookie },
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
  });
  afterAll(async () => {
    socket?.close();
    await server?.close();
  });

  it.each(POISONS)('every client event refuses %s, naming the field', async (_what, payload, field) => {
    expect(CLIENT_EVENTS.length).toBeGreaterThan(10);
    for (const event of CLIENT_EVENTS) {
      const ack = (await socket.timeout(10_000).emitWithAck(event as never, payload as never)) as {
        ok: boolean;
        code: string;
        message: string;
      };
      expect(ack, event).toMatchObject({ ok: false, code: 'validation' });
      expect(ack.message, event).toMatch(new RegExp(`^${event}: `));
      expect(ack.message, event).toMatch(field);
    }
    // The connection still works: a clean payload reaches its handler.
    const clean = (await socket.timeout(10_000).emitWithAck('notification:sync' as never, null as never)) as {
      ok: boolean;
    };
    expect(clean.ok).toBe(true);
  });

  it('long-polling responses are not cacheable', async () => {
    const res = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});
