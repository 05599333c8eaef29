/**
 * Two real server PROCESSES (two nodes) of one deployment: one PostgreSQL schema, one shared STORAGE_DIR, each
 * its own empty node-local DATA_DIR. Round after round both nodes receive the SAME DICOM instance at the same
 * moment (both write the same content-addressed blob) and each a different one; afterwards every blob in storage
 * is intact (its SHA-256 is its name), every stored instance reads back byte-identical from BOTH nodes, and no
 * temporary file is left. The second node, started on an empty DATA_DIR, uses the first node's deployment keys:
 * the same report-signing public key, and the audit chain both append to verifies.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../testing/private-services';
import { DEMO_PASSWORD, dropSchema, freshSchema, PG_URL } from '../testing/harness';
import { CT_SERIES } from '../imaging/testkit';
import { withValue } from '../imaging/mutate';

const ROUNDS = 12;

interface Client {
  node: ServerProcess;
  cookie: string;
  csrf: string;
}

async function login(node: ServerProcess, username: string): Promise<Client> {
  const res = await fetch(`${node.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');
  const me = (await res.json()) as { csrfToken: string };
  return { node, cookie, csrf: me.csrfToken };
}

const upload = (c: Client, bytes: Buffer) =>
  fetch(`${c.node.url}/api/imaging/instances`, {
    method: 'POST',
    headers: { 'content-type': 'application/dicom', cookie: c.cookie, 'x-csrf-token': c.csrf },
    body: bytes,
  });

const sha256 = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

/** Every file under `dir` (relative paths). */
const filesUnder = (dir: string): string[] =>
  fs.existsSync(dir)
    ? (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) =>
        fs.statSync(path.join(dir, f)).isFile(),
      )
    : [];

describe('two nodes on one storage directory', () => {
  const schema = freshSchema();
  const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-storage-'));
  const env = {
    DATABASE_URL: PG_URL,
    DATABASE_SCHEMA: schema,
    STORAGE_DIR: storageDir,
    MFA_REQUIRED_ROLES: '',
  };
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    a = await startServerProcess(env);
    b = await startServerProcess(env); // an empty DATA_DIR of its own, the first node's database and storage
  }, 300_000);

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await dropSchema(schema);
    fs.rmSync(storageDir, { recursive: true, force: true });
  });

  it(
    'the same blob written by both nodes at once ends intact, different blobs too; every read is intact, no temp left',
    { timeout: 300_000 },
    async () => {
      const ca = await login(a, 'lankao.doctor');
      const cb = await login(b, 'lankao.doctor');
      const base = fs.readFileSync(CT_SERIES()[0]!.abs);
      const variant = (n: number) =>
        withValue(base, 'x00080018', `1.2.826.0.1.3680043.10.543.${process.pid}.${n}`, '\0');
      const sent = new Map<string, Buffer>(); // SOP Instance UID → bytes
      for (let i = 0; i < ROUNDS; i++) {
        const same = variant(3 * i);
        const onlyA = variant(3 * i + 1);
        const onlyB = variant(3 * i + 2);
        const res = await Promise.all([
          upload(ca, same),
          upload(cb, same),
          upload(ca, onlyA),
          upload(cb, onlyB),
        ]);
        const codes = res.map((r) => r.status);
        for (const r of res) await r.arrayBuffer();
        // Both sends of the same instance succeed (stored once, the other "already stored"); the others are stored.
        expect(
          codes.every((c) => c === 200 || c === 201),
          `round ${i}: ${codes.join(',')}`,
        ).toBe(true);
        for (const [n, bytes] of [
          [3 * i, same],
          [3 * i + 1, onlyA],
          [3 * i + 2, onlyB],
        ] as const)
          sent.set(`1.2.826.0.1.3680043.10.543.${process.pid}.${n}`, bytes);
      }

      const imaging = path.join(storageDir, 'imaging');
      const blobs = filesUnder(path.join(imaging, 'blobs'));
      expect(blobs.length).toBe(sent.size);
      for (const f of blobs)
        expect(sha256(fs.readFileSync(path.join(imaging, 'blobs', f)))).toBe(path.basename(f));
      expect(new Set(blobs.map((f) => path.basename(f)))).toEqual(new Set([...sent.values()].map(sha256)));
      expect(filesUnder(path.join(imaging, 'tmp'))).toEqual([]);
      // Nothing landed in either node's DATA_DIR: the files are the deployment's, not a node's.
      expect(filesUnder(path.join(a.dataDir, 'imaging', 'blobs'))).toEqual([]);
      expect(filesUnder(path.join(b.dataDir, 'imaging', 'blobs'))).toEqual([]);

      // The study and series UIDs of what was sent, read back from a node (QIDO-RS).
      const uids = (await (
        await fetch(`${a.url}/dicomweb/instances?includefield=0020000D,0020000E&limit=1000`, {
          headers: { cookie: ca.cookie },
        })
      ).json()) as Record<string, { Value?: string[] }>[];
      const mine = uids.filter((u) => sent.has(u['00080018']?.Value?.[0] ?? ''));
      expect(mine.length).toBe(sent.size);
      for (const u of mine) {
        const sop = u['00080018']!.Value![0]!;
        const q = `requestType=WADO&studyUID=${u['0020000D']!.Value![0]}&seriesUID=${u['0020000E']!.Value![0]}&objectUID=${sop}&contentType=application/dicom`;
        for (const c of [ca, cb]) {
          const r = await fetch(`${c.node.url}/wado?${q}`, { headers: { cookie: c.cookie } });
          expect(r.status).toBe(200);
          expect(sha256(new Uint8Array(await r.arrayBuffer()))).toBe(sha256(sent.get(sop)!));
        }
      }
    },
  );

  it(
    'the second node (empty DATA_DIR) uses the same deployment keys: one signing key, one verifiable audit chain',
    { timeout: 120_000 },
    async () => {
      const [ka, kb] = await Promise.all(
        [a, b].map(
          async (n) =>
            (await (await fetch(`${n.url}/api/reports/public-key`)).json()) as { fingerprint: string },
        ),
      );
      expect(ka!.fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(kb!.fingerprint).toBe(ka!.fingerprint);
      for (const n of [a, b]) expect(fs.existsSync(path.join(n.dataDir, 'keys'))).toBe(false);
      // Both nodes append to the chain (logins are audited) and sign its head checkpoint; each verifies it whole.
      for (const n of [a, b, a, b]) {
        const admin = await login(n, 'sysadmin');
        const v = (await (
          await fetch(`${n.url}/api/audit/verify`, { headers: { cookie: admin.cookie } })
        ).json()) as {
          ok: boolean;
        };
        expect(v.ok).toBe(true);
      }
    },
  );
});
