import type { types } from 'mediasoup-client';
import { describe, expect, it } from 'vitest';
import type { ConsumerInfo, MediaSource } from '@consult/shared';
import { RemoteMediaSet } from './RemoteMedia';
import type { PeerView } from './roomTypes';

/** The part of a mediasoup-client consumer the set touches. */
interface FakeConsumer {
  id: string;
  producerId: string;
  kind: string;
  appData: Record<string, unknown>;
  track: { id: string };
  closed: boolean;
  close(): void;
}

/** A receive transport whose consume() answers when the test says so (the browser's setup of the track). */
function recvTransport() {
  const waiting = new Map<string, (c: FakeConsumer) => void>();
  const made: FakeConsumer[] = [];
  const transport = {
    consume: (o: { id: string; producerId: string; kind: string; appData: Record<string, unknown> }) =>
      new Promise<FakeConsumer>((resolve) =>
        waiting.set(o.id, () => {
          const c: FakeConsumer = {
            ...o,
            track: { id: `track-${o.id}` },
            closed: false,
            close: () => void (c.closed = true),
          };
          made.push(c);
          resolve(c);
        }),
      ),
  };
  const settle = async (consumerId: string) => {
    waiting.get(consumerId)!(undefined as never);
    await new Promise((r) => setTimeout(r, 0));
  };
  return { transport: transport as unknown as types.Transport, settle, made };
}

const info = (consumerId: string, producerId: string, peerId: string, source: MediaSource): ConsumerInfo =>
  ({
    consumerId,
    producerId,
    peerId,
    kind: source === 'mic' ? 'audio' : 'video',
    source,
    rtpParameters: {},
    type: 'simple',
    producerPaused: false,
  }) as ConsumerInfo;

function setup() {
  let peers: PeerView[] = [{ peerId: 'p1', media: [] } as unknown as PeerView];
  const resumed: string[] = [];
  const set = new RemoteMediaSet({
    request: (async (method: string, data: { consumerId: string }) => {
      if (method === 'resumeConsumer') resumed.push(data.consumerId);
      return {};
    }) as never,
    updatePeer: (id, fn) => (peers = peers.map((p) => (p.peerId === id ? fn(p) : p))),
    spatialCap: () => 2,
  });
  const shown = () => peers[0]!.media.map((m) => m.consumerId);
  return { set, shown, resumed };
}

describe('what the room shows of a remote peer', () => {
  it('a consumer whose peer leaves while its track is being set up is closed, never shown or resumed', async () => {
    const { set, shown, resumed } = setup();
    const r = recvTransport();
    const receiving = set.receive(r.transport, info('c1', 'prod1', 'p1', 'webcam'));
    set.dropWhere((e) => e.peerId === 'p1');
    await r.settle('c1');
    await receiving;
    expect(shown()).toEqual([]);
    expect(resumed).toEqual([]);
    expect(r.made[0]!.closed).toBe(true);
    expect(set.consumers.size).toBe(0);
  });

  it('a producer closed during setup: same', async () => {
    const { set, shown } = setup();
    const r = recvTransport();
    const receiving = set.receive(r.transport, info('c1', 'prod1', 'p1', 'webcam'));
    set.dropWhere((e) => e.producerId === 'prod1');
    await r.settle('c1');
    await receiving;
    expect(shown()).toEqual([]);
  });

  it('one camera per peer: a newer consumer of the same source replaces the older, even one still being set up', async () => {
    const { set, shown } = setup();
    const r = recvTransport();
    const old = set.receive(r.transport, info('c1', 'prod1', 'p1', 'webcam'));
    const newer = set.receive(r.transport, info('c2', 'prod2', 'p1', 'webcam'));
    const mic = set.receive(r.transport, info('c3', 'prod3', 'p1', 'mic'));
    await r.settle('c2');
    await r.settle('c3');
    await r.settle('c1');
    await Promise.all([old, newer, mic]);
    expect(shown().sort()).toEqual(['c2', 'c3']);
    expect(r.made.find((c) => c.id === 'c1')!.closed).toBe(true);

    const newest = set.receive(r.transport, info('c4', 'prod4', 'p1', 'webcam'));
    await r.settle('c4');
    await newest;
    expect(shown().sort()).toEqual(['c3', 'c4']);
    expect(r.made.find((c) => c.id === 'c2')!.closed).toBe(true);
  });

  it('the same consumer answered twice (a consume asked again after a drop, beside a join) is received once', async () => {
    const { set, shown, resumed } = setup();
    const r = recvTransport();
    const first = set.receive(r.transport, info('c1', 'prod1', 'p1', 'webcam'));
    const during = set.receive(r.transport, info('c1', 'prod1', 'p1', 'webcam'));
    await r.settle('c1');
    await Promise.all([first, during]);
    await set.receive(r.transport, info('c1', 'prod1', 'p1', 'webcam'));
    expect(r.made.map((c) => [c.id, c.closed])).toEqual([['c1', false]]);
    expect(shown()).toEqual(['c1']);
    expect(resumed).toEqual(['c1']);
  });

  it("a new producer's consumer is resumed through the room's resume gate (asked again after a drop)", async () => {
    const { set, resumed } = setup();
    const r = recvTransport();
    const gated: string[] = [];
    const ask = async <T>(f: () => Promise<T>) => {
      gated.push('resume');
      return f();
    };
    const receiving = set.receive(r.transport, info('c1', 'prod1', 'p1', 'webcam'), undefined, ask);
    await r.settle('c1');
    await receiving;
    expect([gated, resumed]).toEqual([['resume'], ['c1']]);
  });
});
