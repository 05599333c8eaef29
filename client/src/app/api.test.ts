import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, writesSettled } from './api';
import { pageHeld } from './leave-guard';

/**
 * Signing out waits on `writesSettled` (session.tsx): a change still on its way must be answered first. A real
 * HTTP server on loopback holds each request until the test lets it go, so the order is the test's, not luck's.
 */
const held = new Map<string, () => void>();
const arrivedSignal = new Map<string, () => void>();
/** Resolves once the server has the whole request to `path`, held. */
const expectRequest = (path: string) => new Promise<void>((r) => arrivedSignal.set(path, r));

let server: http.Server;
let base = '';
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const path = req.url ?? '';
    const answer = () => {
      res.writeHead(path.includes('fail') ? 500 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(path.includes('fail') ? { code: 'internal', message: 'x' } : { ok: true }));
    };
    req.resume();
    req.on('end', () => {
      held.set(path, answer);
      arrivedSignal.get(path)?.();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections(); // a failed test may leave a request held
  await new Promise<void>((r) => server.close(() => r()));
});

const release = (path: string) => held.get(path)!();

describe('writes in flight', () => {
  it('settles only once every state-changing request has been answered, failures included', async () => {
    const events: string[] = [];
    const saving = expectRequest('/save');
    const failing = expectRequest('/fail');
    const reading = expectRequest('/read');
    const save = api('PUT', `${base}/save`, { locale: 'en' }).then(() => events.push('save answered'));
    const fail = api('POST', `${base}/fail`, {}).catch(() => events.push('fail answered'));
    const read = api('GET', `${base}/read`);
    await Promise.all([saving, failing, reading]);
    const settled = writesSettled().then(() => events.push('settled'));
    // A GET is not a write: a read still held does not keep sign-out waiting.
    release('/save');
    await save;
    // A write started while the wait is on is waited for too.
    const later = expectRequest('/later');
    const late = api('PATCH', `${base}/later`, {}).then(() => events.push('later answered'));
    await later;
    release('/fail');
    await fail;
    expect(events).toEqual(['save answered', 'fail answered']);
    release('/later');
    await Promise.all([late, settled]);
    expect(events).toEqual(['save answered', 'fail answered', 'later answered', 'settled']);
    // Leaving the page asked first while those writes were on their way (leave-guard.ts); a read does not hold it.
    expect(pageHeld()).toBe(false);
    release('/read');
    await read;
  });

  it('holds the page (leaving asks first) while a write is on its way, not while a read is', async () => {
    const reading = expectRequest('/read-only');
    const read = api('GET', `${base}/read-only`);
    await reading;
    expect(pageHeld()).toBe(false);
    const saving = expectRequest('/held-save');
    const save = api('PUT', `${base}/held-save`, {});
    await saving;
    expect(pageHeld()).toBe(true);
    release('/held-save');
    await save;
    expect(pageHeld()).toBe(false);
    release('/read-only');
    await read;
  });

  it('settles at once when nothing is on its way', async () => {
    await expect(writesSettled()).resolves.toBeUndefined();
  });
});
