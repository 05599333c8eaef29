/**
 * Kept descriptors (kept-descriptors.ts): ranges read as from the file, at most `max` kept (least recently used
 * closed first, never one a read is using), closed when idle, a failed open never kept, a removed blob still read
 * through the descriptor already open (content-addressed bytes never change); directories synced through theirs,
 * and a directory made again after it was removed synced as the new one once forgotten.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { KeptDescriptors } from './kept-descriptors';
import { openLinks } from '../testing/open-descriptors';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kept-descriptors-'));
const files = Array.from({ length: 6 }, (_x, k) => {
  const p = path.join(dir, `b${k}`);
  fs.writeFileSync(p, Buffer.from(Array.from({ length: 5000 }, (_y, i) => (i * 7 + k) & 0xff)));
  return p;
});
/**
 * Descriptors this process holds on blobs under `prefix` (the other tests' instances may still be closing theirs, so
 * a test that counts uses a blob of its own).
 */
const openFds = (prefix = dir) => openLinks(prefix).length;

describe('kept descriptors', () => {
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads ranges as the file holds them, fewer bytes at its end', async () => {
    const h = new KeptDescriptors(4);
    const whole = fs.readFileSync(files[0]!);
    expect(await h.read(files[0]!, 0, 10)).toEqual(whole.subarray(0, 10));
    expect(await h.read(files[0]!, 4990, 100)).toEqual(whole.subarray(4990));
    expect(await h.read(files[0]!, 6000, 10)).toEqual(Buffer.alloc(0));
    const many = await Promise.all(Array.from({ length: 20 }, (_x, i) => h.read(files[0]!, i * 100, 100)));
    many.forEach((b, i) => expect(b).toEqual(whole.subarray(i * 100, i * 100 + 100)));
    expect(h.size).toBe(1);
    h.closeIdle();
    expect(h.size).toBe(0);
    await h.settled(); // the next test counts descriptors on these blobs
  });

  it('keeps at most max descriptors, the least recently used closed first', async () => {
    const before = openFds();
    const h = new KeptDescriptors(3);
    for (const f of files) await h.read(f, 0, 1);
    expect(h.size).toBe(3);
    await h.read(files[3]!, 0, 1); // most recent now
    await h.read(files[0]!, 0, 1); // reopened; files[4] goes
    expect(h.size).toBe(3);
    await h.settled(); // closes are asynchronous
    expect(openFds() - before).toBe(3);
    h.closeIdle();
    await h.settled();
    expect(openFds()).toBe(before);
  });

  it('a failed open is not kept; a removed blob still reads through the open descriptor', async () => {
    const h = new KeptDescriptors(4);
    await expect(h.read(path.join(dir, 'missing'), 0, 1)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(h.size).toBe(0);
    const p = path.join(dir, 'gone');
    fs.writeFileSync(p, 'abcdef');
    expect((await h.read(p, 1, 3)).toString()).toBe('bcd');
    fs.rmSync(p);
    expect((await h.read(p, 3, 3)).toString()).toBe('def');
    h.closeIdle();
    await expect(h.read(p, 0, 1)).rejects.toMatchObject({ code: 'ENOENT' });
    await h.settled();
  });

  it('syncs a directory through one kept descriptor; one made again is synced as the new one once forgotten', async () => {
    const sub = path.join(dir, 'sub');
    fs.mkdirSync(sub);
    const h = new KeptDescriptors(4);
    await h.sync(sub);
    await h.sync(sub);
    expect(openLinks(sub)).toEqual([sub]);
    fs.rmSync(sub, { recursive: true });
    fs.mkdirSync(sub);
    // Kept, the descriptor is still the removed directory's: a sync through it would not reach the new one.
    expect(openLinks(sub)).toEqual([`${sub} (deleted)`]);
    h.forget(sub);
    await h.sync(sub);
    await h.settled();
    expect(openLinks(sub)).toEqual([sub]);
    await expect(h.sync(path.join(dir, 'no-such-dir'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(h.size).toBe(1);
    h.closeIdle();
    await h.settled();
    expect(openLinks(sub)).toEqual([]);
  });

  it('closes descriptors idle longer than idleMs by itself', async () => {
    const own = path.join(dir, 'idle-own');
    fs.writeFileSync(own, 'idle');
    const h = new KeptDescriptors(8, 50);
    expect((await h.read(own, 0, 4)).toString()).toBe('idle');
    expect(h.size).toBe(1);
    expect(openFds(own)).toBe(1);
    await vi.waitFor(() => expect(h.size).toBe(0), { timeout: 5000, interval: 20 });
    await h.settled();
    expect(openFds(own)).toBe(0);
  });
});
