import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contentKey, FsObjectStore } from '.';
import { HOLD_BYTES } from './fs-store';
import { openLinks } from '../testing/open-descriptors';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-fs-store-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const sha256 = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

describe('filesystem storage driver', () => {
  const store = new FsObjectStore(dir, 'attachments');

  it('puts, reads whole and ranges, stats, lists and deletes objects by key', async () => {
    const bytes = Buffer.from('0123456789abcdef');
    await store.put('c1/a.pdf', bytes);
    expect(await store.get('c1/a.pdf')).toEqual(bytes);
    expect(await store.getRange('c1/a.pdf', 10, 100)).toEqual(Buffer.from('abcdef'));
    expect((await store.stat('c1/a.pdf'))?.size).toBe(16);
    const streamed: Buffer[] = [];
    for await (const c of store.stream('c1/a.pdf', { start: 2, end: 4 })) streamed.push(c as Buffer);
    expect(Buffer.concat(streamed).toString()).toBe('234');
    await store.put('c1/a.pdf', Buffer.from('replaced'));
    expect((await store.get('c1/a.pdf')).toString()).toBe('replaced');
    expect(await store.list('c1')).toEqual(['c1/a.pdf']);
    await store.delete('c1/a.pdf');
    expect(await store.stat('c1/a.pdf')).toBeNull();
    expect(await store.list('c1')).toEqual([]);
    expect(fs.readdirSync(store.tmpDir)).toEqual([]);
  });

  it('refuses keys that leave the namespace or name the temporary area', async () => {
    for (const bad of ['', '../x', 'a/../../x', '/etc/passwd', 'tmp/x', 'a//b', 'a/./b', 'a b'])
      await expect(store.put(bad, Buffer.from('x')), bad).rejects.toThrow(/invalid storage key/);
  });

  it('names temporary objects by host, process and random part, never twice', () => {
    const names = Array.from({ length: 200 }, () => path.basename(store.newTempPath()));
    expect(new Set(names).size).toBe(200);
    const host = os
      .hostname()
      .replace(/[^A-Za-z0-9-]/g, '_')
      .slice(0, 64);
    for (const n of names) expect(n.startsWith(`${host}.${process.pid}.`)).toBe(true);
  });

  it('the same content put many times at once ends as one intact object, no temporary file left', async () => {
    const blobs = new FsObjectStore(dir, 'imaging');
    const bytes = crypto.randomBytes(256 * 1024);
    const shas = await Promise.all(Array.from({ length: 16 }, () => blobs.putContent(bytes)));
    expect(new Set(shas)).toEqual(new Set([sha256(bytes)]));
    expect(sha256(await blobs.get(contentKey(shas[0]!)))).toBe(sha256(bytes));
    expect(fs.readdirSync(blobs.tmpDir)).toEqual([]);
  });

  it('takes a finished local file in (consumed), and sweeps only old temporary files', async () => {
    const recordings = new FsObjectStore(dir, 'recordings');
    const local = path.join(dir, 'work.webm');
    fs.writeFileSync(local, 'webm bytes');
    await recordings.importFile(local, 'r1/x.webm');
    expect(fs.existsSync(local)).toBe(false);
    expect((await recordings.get('r1/x.webm')).toString()).toBe('webm bytes');
    const old = recordings.newTempPath();
    const fresh = recordings.newTempPath();
    fs.writeFileSync(old, 'crashed');
    fs.writeFileSync(fresh, 'in flight on another node');
    const hourAgo = new Date(Date.now() - 2 * 3600_000);
    fs.utimesSync(old, hourAgo, hourAgo);
    expect(recordings.sweepTemp()).toBe(1);
    expect(fs.existsSync(fresh)).toBe(true);
  });

  it('puts into a directory removed since this process made it (made again), and leaves no temporary file', async () => {
    const reports = new FsObjectStore(dir, 'reports');
    await reports.put('r9/a.pdf', Buffer.from('first'));
    fs.rmSync(path.join(reports.root, 'r9'), { recursive: true });
    await reports.put('r9/b.pdf', Buffer.from('second'));
    expect((await reports.get('r9/b.pdf')).toString()).toBe('second');
    // Its directory was synced as the new one: no descriptor kept for syncs leads to the removed one.
    const links = openLinks(reports.root);
    expect(links.filter((l) => l.endsWith('(deleted)'))).toEqual([]);
    expect(links).toContain(path.join(reports.root, 'r9'));
    expect(await reports.list('r9')).toEqual(['r9/b.pdf']);
    expect(fs.readdirSync(reports.tmpDir)).toEqual([]);
  });

  it('finish makes the object durable once; a commit after it places the whole object without syncing again', async () => {
    const blobs = new FsObjectStore(dir, 'imaging');
    const t = blobs.temp();
    await t.write(Buffer.from('part one '));
    await t.write(Buffer.from('part two'));
    const sha = await t.finish();
    expect(await t.commitContent()).toBe(sha);
    expect((await blobs.get(contentKey(sha))).toString()).toBe('part one part two');
    expect(fs.readdirSync(blobs.tmpDir)).toEqual([]);
  });

  // Both ways a temporary file is written (held in memory up to HOLD_BYTES, streamed beyond), and a part crossing
  // the bound mid-way: the file is whole and synced at finish, the hash is its bytes', and only a held part keeps
  // its bytes for the caller.
  it.each([
    [1, 1],
    [HOLD_BYTES - 1, 7],
    [HOLD_BYTES, 1],
    [HOLD_BYTES, 3],
    [HOLD_BYTES + 1, 2],
    [HOLD_BYTES + 1, 1],
    [3 * HOLD_BYTES + 5, 9],
  ])('a part of %i bytes in %i chunks is written whole, held only up to the bound', async (size, chunks) => {
    const blobs = new FsObjectStore(dir, 'imaging');
    const bytes = crypto.randomBytes(size);
    const t = blobs.temp();
    const cut = Array.from({ length: chunks - 1 }, (_x, i) => Math.floor(((i + 1) * size) / chunks));
    const edges = [0, ...cut, size];
    for (let i = 0; i + 1 < edges.length; i++) await t.write(bytes.subarray(edges[i], edges[i + 1]));
    // A held part has no file yet; a streamed one is on disk before it is finished.
    expect(fs.existsSync(t.path)).toBe(size > HOLD_BYTES);
    expect(await t.finish()).toBe(sha256(bytes));
    expect(fs.readFileSync(t.path).equals(bytes)).toBe(true);
    expect(t.held === null ? null : Buffer.from(t.held).equals(bytes)).toBe(size > HOLD_BYTES ? null : true);
    await t.commitContent();
    expect((await blobs.get(contentKey(sha256(bytes)))).equals(bytes)).toBe(true);
  });

  it('sealed: hash and held bytes at once, the file whole once durable; aborted at once, no file is left', async () => {
    const blobs = new FsObjectStore(dir, 'imaging');
    for (const size of [10, HOLD_BYTES, HOLD_BYTES + 10]) {
      const bytes = crypto.randomBytes(size);
      const t = blobs.temp();
      await t.write(bytes);
      const sealed = t.seal();
      expect(sealed.sha256).toBe(sha256(bytes));
      expect(t.seal()).toBe(sealed); // idempotent
      expect(t.held === null ? null : Buffer.from(t.held).equals(bytes)).toBe(
        size > HOLD_BYTES ? null : true,
      );
      await sealed.durable;
      expect(fs.readFileSync(t.path).equals(bytes)).toBe(true);
      expect(await t.finish()).toBe(sealed.sha256);
      await t.commitContent();
      // Aborted right behind the seal, while the write and sync are on their way: waited for, then removed.
      const u = blobs.temp();
      await u.write(crypto.randomBytes(size));
      u.seal();
      await u.abort();
      expect(fs.existsSync(u.path)).toBe(false);
    }
    expect(fs.readdirSync(blobs.tmpDir)).toEqual([]);
  });

  it('a sealed part that cannot be written rejects its durable promise, and abort still leaves nothing', async () => {
    const gone = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-fs-gone-'));
    const blobs = new FsObjectStore(gone, 'imaging');
    const t = blobs.temp();
    await t.write(Buffer.from('held'));
    fs.rmSync(gone, { recursive: true, force: true }); // its temporary area vanished meanwhile
    const { durable } = t.seal();
    await expect(durable).rejects.toThrow(/ENOENT/);
    await expect(t.finish()).rejects.toThrow(/ENOENT/);
    await t.abort();
    expect(fs.existsSync(t.path)).toBe(false);
  });

  it('an aborted part leaves no file, held or streamed', async () => {
    const blobs = new FsObjectStore(dir, 'imaging');
    for (const size of [10, HOLD_BYTES + 10]) {
      const t = blobs.temp();
      await t.write(crypto.randomBytes(size));
      await t.abort();
      expect(fs.existsSync(t.path)).toBe(false);
      expect(t.held).toBeNull();
    }
    expect(fs.readdirSync(blobs.tmpDir)).toEqual([]);
  });
});
