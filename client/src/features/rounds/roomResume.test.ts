import type { types } from 'mediasoup-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { errorText } from '../../app/api';
import { ERROR_STATUS, type ErrorCode } from '@consult/shared';
import { RoomResume, type ResumeTarget } from './roomResume';
import { actionError, ConnectionDropped, initialRoomState, RequestError, type RoomState } from './roomTypes';

/** The part of a mediasoup-client transport a restart touches. */
const transport = (direction: 'send' | 'recv') =>
  ({
    id: `t-${direction}`,
    direction,
    closed: false,
    restartIce: async () => undefined,
  }) as unknown as types.Transport;

/** A joined room around RoomResume: its state, its transports, and what it asked the server. */
function joinedRoom(answer: (method: string) => Promise<unknown>) {
  let state: RoomState = { ...initialRoomState(), status: 'joined' };
  const asked: string[] = [];
  const rejoins: string[] = [];
  const target: ResumeTarget = {
    getState: () => state,
    set: (patch) => void (state = { ...state, ...patch }),
    wantJoined: () => true,
    joinSeq: () => 1,
    sendTransport: () => send,
    recvTransport: () => recv,
    rejoin: async (why) => void rejoins.push(why),
  };
  const [send, recv] = [transport('send'), transport('recv')];
  const request = (method: string): Promise<unknown> => {
    asked.push(method);
    return answer(method);
  };
  const resume = new RoomResume('round-1', request as never, target);
  /** What a user action does: ask once the gate lets it through. */
  const act = (method: string) => resume.asked(() => request(method));
  return { resume, asked, rejoins, act, request, state: () => state };
}

const settled = () => new Promise((r) => setTimeout(r, 0));

describe('a socket drop under a joined room (roomResume.ts)', () => {
  beforeEach(() => void vi.stubGlobal('navigator', { onLine: true }));
  afterEach(() => void vi.unstubAllGlobals());

  it('an action taken while the socket is down is asked only after the ICE restart resumed the peer', async () => {
    const restarts: ((v: unknown) => void)[] = [];
    const room = joinedRoom((method) =>
      method === 'restartIce' ? new Promise((r) => restarts.push(r)) : Promise.resolve({ ok: true }),
    );
    room.resume.disconnected();
    expect(room.state().reconnecting).toBe(true);
    const hand = room.act('raiseHand');
    await settled();
    expect(room.asked).toEqual([]);
    room.resume.reconnected();
    await settled();
    // Both transports' restarts go first, and the hand waits for them.
    expect(room.asked).toEqual(['restartIce', 'restartIce']);
    for (const answer of restarts) answer({ iceParameters: {} });
    await hand;
    expect(room.asked.slice(2)).toEqual(['raiseHand']);
    expect(room.state().reconnecting).toBe(false);
    expect(room.rejoins).toEqual([]);
  });

  it('the server no longer has the peer: the room joins again, then the action is asked (for the new peer)', async () => {
    const room = joinedRoom(async (method) => {
      if (method === 'restartIce') throw new RequestError('not_found', 'no such transport');
      return { ok: true };
    });
    room.resume.disconnected();
    const mute = room.act('pauseProducer');
    room.resume.reconnected();
    await mute;
    expect(room.rejoins).toEqual(['no ICE restart after reconnect']);
    expect(room.asked.at(-1)).toBe('pauseProducer');
    expect(room.state().reconnecting).toBe(false);
  });

  it('an action whose socket dropped before the answer is asked again once the peer is back', async () => {
    let firstHand = true;
    const room = joinedRoom(async (method) => {
      if (method === 'raiseHand' && firstHand) {
        firstHand = false;
        // The socket drops under it: the room hears the drop first (its listener is older), then the request.
        room.resume.disconnected();
        throw new ConnectionDropped(method);
      }
      return method === 'restartIce' ? { iceParameters: {} } : { ok: true };
    });
    const hand = room.act('raiseHand');
    await settled();
    expect(room.asked).toEqual(['raiseHand']);
    room.resume.reconnected();
    await hand;
    expect(room.asked).toEqual(['raiseHand', 'restartIce', 'restartIce', 'raiseHand']);
  });

  it('a request that keeps losing its socket is asked 3 times, then fails', async () => {
    const room = joinedRoom(async (method) => {
      if (method === 'restartIce') return { iceParameters: {} };
      room.resume.disconnected();
      queueMicrotask(() => room.resume.reconnected());
      throw new ConnectionDropped(method);
    });
    await expect(room.act('chat')).rejects.toBeInstanceOf(ConnectionDropped);
    expect(room.asked.filter((m) => m === 'chat')).toHaveLength(3);
  });

  it('leaving (or the round ending) lets held actions go instead of holding them for ever', async () => {
    const room = joinedRoom(async () => ({ ok: true }));
    room.resume.disconnected();
    const chat = room.act('chat');
    room.resume.reopen();
    await chat;
    expect(room.asked).toEqual(['chat']);
  });

  it('while connected nothing waits', async () => {
    const room = joinedRoom(async () => ({ ok: true }));
    await room.act('setAgendaItem');
    expect(room.asked).toEqual(['setAgendaItem']);
    expect(room.state().reconnecting).toBe(false);
  });
});

describe('a room action that fails is shown in the user’s language', () => {
  it.each(Object.keys(ERROR_STATUS) as ErrorCode[])('%s', (code) => {
    const shown = errorText('zh-CN', actionError(new RequestError(code, 'join a round first')));
    expect(shown).toMatch(/[\u4e00-\u9fff]/);
    expect(shown).not.toContain('join a round first');
  });

  it('the peer not on this socket says so, not "the round has ended"', () => {
    const e = actionError(new RequestError('invalid_transition', 'join a round first'));
    expect(errorText('zh-CN', e)).toBe('您当前不在查房房间中（连接曾中断），请等待重新进入后再试');
    expect(errorText('en', e)).toMatch(/^You are not in the round’s room right now/);
  });

  it('what is not the server’s answer (a camera error) is shown as it is', () => {
    const e = new Error('Could not start video source');
    expect(actionError(e)).toBe(e);
  });
});
