import type { types } from 'mediasoup-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IceRestarter } from './iceRestart';
import { RequestError } from './roomTypes';

/** The part of a mediasoup-client transport a restart touches. */
const transport = (id: string) => {
  const t = {
    id,
    direction: 'send',
    closed: false,
    restarts: 0,
    restartIce: async () => void t.restarts++,
  };
  return t;
};
const asTransport = (t: ReturnType<typeof transport>) => t as unknown as types.Transport;

describe('ICE restart outcomes (what the room does next depends on them)', () => {
  let online = true;
  beforeEach(() => {
    online = true;
    vi.stubGlobal('navigator', {
      get onLine() {
        return online;
      },
    });
  });
  afterEach(() => void vi.unstubAllGlobals());

  const restarter = (answer: () => Promise<unknown>) => {
    let counted = 0;
    const r = new IceRestarter('round-1', (() => answer()) as never, () => counted++);
    return { r, counted: () => counted };
  };

  it('the server answers with new ICE parameters: restarted, and counted', async () => {
    const { r, counted } = restarter(async () => ({ iceParameters: {} }));
    const t = transport('t1');
    expect(await r.restart(asTransport(t))).toBe('restarted');
    expect(t.restarts).toBe(1);
    expect(counted()).toBe(1);
  });

  it.each([
    ['invalid_transition', 'refused'],
    ['not_found', 'refused'],
    ['forbidden', 'refused'],
    ['unavailable', 'unreachable'],
  ] as const)('the server answers %s: %s', async (code, outcome) => {
    const { r, counted } = restarter(async () => {
      throw new RequestError(code, 'no');
    });
    const t = transport('t1');
    expect(await r.restart(asTransport(t))).toBe(outcome);
    expect(t.restarts).toBe(0);
    expect(counted()).toBe(0);
  });

  it('offline nothing is asked and nothing is refused: the online event tries again', async () => {
    online = false;
    let asked = 0;
    const { r } = restarter(async () => {
      asked++;
      return { iceParameters: {} };
    });
    expect(await r.restart(asTransport(transport('t1')))).toBe('unreachable');
    expect(asked).toBe(0);
  });

  it('a burst of events during a restart asks for exactly one more, and all of them get its outcome', async () => {
    const answers: ((v: unknown) => void)[] = [];
    const { r } = restarter(() => new Promise((resolve) => answers.push(resolve)));
    const t = transport('t1');
    const first = r.restart(asTransport(t));
    const burst = [r.restart(asTransport(t)), r.restart(asTransport(t)), r.restart(asTransport(t))];
    await vi.waitFor(() => expect(answers).toHaveLength(1));
    answers[0]!({ iceParameters: {} });
    await vi.waitFor(() => expect(answers).toHaveLength(2));
    answers[1]!({ iceParameters: {} });
    expect(await Promise.all([first, ...burst])).toEqual([
      'restarted',
      'restarted',
      'restarted',
      'restarted',
    ]);
    expect(t.restarts).toBe(2);
  });

  it('the network goes away during a restart that then gets no answer: unreachable, not refused', async () => {
    const { r } = restarter(async () => {
      online = false;
      throw new RequestError('unavailable', 'restartIce: no answer from the server');
    });
    expect(await r.restart(asTransport(transport('t1')))).toBe('unreachable');
  });
});
