import { describe, expect, it } from 'vitest';
import { layerForWidth, LinkMonitor, type InboundCounters } from './linkQuality';

const counters = (lost: number, received: number): Map<string, InboundCounters> =>
  new Map([['c1', { packetsLost: lost, packetsReceived: received }]]);

describe('simulcast layer by tile size', () => {
  it('thumbnails get the smallest layer, a stage tile the full one', () => {
    expect(layerForWidth(160)).toBe(0);
    expect(layerForWidth(320)).toBe(1);
    expect(layerForWidth(1280)).toBe(2);
  });
});

describe('weak-link monitor', () => {
  it('a clean link keeps full layers and proposes nothing', () => {
    const m = new LinkMonitor();
    for (let i = 1; i <= 5; i++)
      expect(m.assess(counters(0, 100 * i), 800_000, false)).toEqual({
        spatialCap: 2,
        proposeAudioOnly: false,
      });
  });

  it('loss caps the layers at once and proposes audio-only after three weak intervals in a row', () => {
    const m = new LinkMonitor();
    expect(m.assess(counters(0, 100), null, false).spatialCap).toBe(2);
    expect(m.assess(counters(20, 180), null, false)).toEqual({ spatialCap: 0, proposeAudioOnly: false });
    expect(m.assess(counters(40, 260), null, false).proposeAudioOnly).toBe(false);
    expect(m.assess(counters(60, 340), null, false).proposeAudioOnly).toBe(true);
    // Recovery: a clean interval lifts the cap and resets the count.
    expect(m.assess(counters(60, 440), null, false)).toEqual({ spatialCap: 2, proposeAudioOnly: false });
  });

  it('a low send estimate alone also proposes audio-only, but never while already audio-only', () => {
    const m = new LinkMonitor();
    for (let i = 0; i < 2; i++) m.assess(new Map(), 90_000, false);
    expect(m.assess(new Map(), 90_000, true).proposeAudioOnly).toBe(false);
    expect(m.assess(new Map(), 90_000, false).proposeAudioOnly).toBe(true);
  });

  it('after the user dismisses the proposal it is not repeated for about ten intervals', () => {
    const m = new LinkMonitor();
    for (let i = 0; i < 3; i++) m.assess(new Map(), 90_000, false);
    m.dismiss();
    const asked = Array.from({ length: 13 }, () => m.assess(new Map(), 90_000, false).proposeAudioOnly);
    expect(asked.indexOf(true)).toBe(12);
  });

  it('small bursts of loss on few packets do not count', () => {
    const m = new LinkMonitor();
    expect(m.assess(counters(3, 10), null, false).spatialCap).toBe(2);
  });
});
