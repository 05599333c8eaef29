import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { DomainError } from '../errors';
import { Sfu } from './Sfu';

const log = { info() {}, error() {}, warn() {}, debug() {} } as never;

describe('without a mediasoup worker binary', () => {
  it('a round asking for media gets a clear "unavailable" error and nothing crashes', async () => {
    const sfu = new Sfu({ ...loadConfig({}).sfu, workerBin: null }, log);
    const err = await sfu.room('00000000-0000-4000-8000-000000000001', 'host').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('unavailable');
    expect((err as DomainError).message).toMatch(/infra\/mediasoup-worker\.sh|MEDIASOUP_WORKER_BIN/);
    expect(sfu.pool.workers).toHaveLength(0);
    sfu.close();
  });

  it('configuration names a bad MEDIASOUP_WORKER_BIN instead of failing later', () => {
    expect(() => loadConfig({ MEDIASOUP_WORKER_BIN: '/nonexistent/mediasoup-worker' })).toThrow(
      /MEDIASOUP_WORKER_BIN/,
    );
    expect(() => loadConfig({ SFU_LISTEN_IP: '0.0.0.0' })).toThrow(/SFU_ANNOUNCED_IP/);
    expect(() => loadConfig({ TURN_URLS: 'turn:turn.example.org:3478' })).toThrow(/TURN_USERNAME/);
    expect(() => loadConfig({ TURN_URLS: 'http://x', TURN_USERNAME: 'u', TURN_CREDENTIAL: 'p' })).toThrow(
      /turn:/,
    );
    expect(loadConfig({ SFU_WORKERS: '3', RTC_MIN_PORT: '41000', RTC_MAX_PORT: '41999' }).sfu).toMatchObject({
      workers: 3,
      rtcMinPort: 41000,
    });
  });
});
