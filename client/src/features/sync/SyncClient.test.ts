import { describe, expect, it } from 'vitest';
import { ERROR_STATUS, type ErrorCode, type SyncState } from '@consult/shared';
import type { AppSocket } from '../../app/socket';
import { SyncClient, SyncCommandError } from './SyncClient';

const ROUND = '00000000-0000-4000-8000-000000000001';
const state = { seq: 0, presenter: null, drawers: [] } as unknown as SyncState;

/**
 * The part of the app's socket SyncClient uses, as socket.io behaves: handlers by event name, and acknowledged
 * emits answered by `answer` (a refusal for anything but `join` from a socket that has not joined since it
 * connected, as the server answers).
 */
function fakeSocket(opts: { unanswered?: string } = {}) {
  const handlers = new Map<string, Set<(...a: unknown[]) => void>>();
  const sent: string[] = [];
  let joined = false;
  let unanswered = opts.unanswered;
  const socket = {
    on(ev: string, fn: (...a: unknown[]) => void) {
      if (!handlers.has(ev)) handlers.set(ev, new Set());
      handlers.get(ev)!.add(fn);
    },
    once(ev: string, fn: (...a: unknown[]) => void) {
      socket.on(ev, fn);
    },
    off(ev: string, fn: (...a: unknown[]) => void) {
      handlers.get(ev)?.delete(fn);
    },
    timeout: () => ({
      emitWithAck: async (ev: string, data: Record<string, unknown>) => {
        sent.push(ev === 'sync:viewport' ? `${ev} ${JSON.stringify(data.viewport)}` : ev);
        // Lost on a socket that is about to drop: never answered.
        if (ev === unanswered) {
          unanswered = undefined;
          return new Promise(() => undefined);
        }
        if (ev === 'sync:join') {
          joined = true;
          return { ok: true, data: { state, me: { userId: 'u1', isHost: false }, studies: [] } };
        }
        if (!joined) return { ok: false, code: 'forbidden', message: 'join the round viewer first' };
        return { ok: true, data: {} };
      },
    }),
  };
  const emit = (ev: string) => handlers.get(ev)?.forEach((fn) => fn());
  return {
    socket: socket as unknown as AppSocket,
    sent,
    drop: () => {
      joined = false;
      emit('disconnect');
    },
    reconnect: () => emit('connect'),
  };
}

const settled = () => new Promise((r) => setTimeout(r, 0));

describe('the round viewer after a socket drop', () => {
  it('a command made while the socket is down goes after the viewer is joined again, not ahead of it', async () => {
    const s = fakeSocket();
    const c = new SyncClient(ROUND, s.socket);
    await c.join();
    s.drop();
    const take = c.send('takePresenter', {});
    await settled();
    expect(s.sent).toEqual(['sync:join']);
    s.reconnect();
    await take;
    expect(s.sent).toEqual(['sync:join', 'sync:join', 'sync:takePresenter']);
    expect(c.getView().error).toBeNull();
    c.close();
  });

  it('of the viewport moves made meanwhile only the last is sent', async () => {
    const s = fakeSocket();
    const c = new SyncClient(ROUND, s.socket);
    await c.join();
    s.drop();
    for (const slice of [3, 4, 5]) c.fire('viewport', { viewport: { slice } } as never);
    s.reconnect();
    await settled();
    await settled();
    expect(s.sent).toEqual(['sync:join', 'sync:join', 'sync:viewport {"slice":5}']);
    c.close();
  });

  it('a command whose socket dropped before the answer is sent again after the next join', async () => {
    const s = fakeSocket({ unanswered: 'sync:takePresenter' });
    const c = new SyncClient(ROUND, s.socket);
    await c.join();
    const take = c.send('takePresenter', {});
    await settled();
    s.drop();
    s.reconnect();
    await take;
    expect(s.sent).toEqual(['sync:join', 'sync:takePresenter', 'sync:join', 'sync:takePresenter']);
    c.close();
  });

  it('while connected nothing waits', async () => {
    const s = fakeSocket();
    const c = new SyncClient(ROUND, s.socket);
    await c.join();
    await c.send('releasePresenter', {});
    expect(s.sent).toEqual(['sync:join', 'sync:releasePresenter']);
    c.close();
  });
});

describe('a refused viewer command is shown in the user’s language', () => {
  it.each(Object.keys(ERROR_STATUS) as ErrorCode[])('%s', (code) => {
    const e = new SyncCommandError(code, 'join the round viewer first');
    expect(e.code).toBe(code);
    expect(e.message).toMatch(/[\u4e00-\u9fff]/);
    expect(e.message).not.toContain('join the round viewer first');
  });
});
