import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { buildApp } from './app';
import { migrateToLatest, openDatabase } from './db/connect';
import {
  DIALECTS,
  dropSchema,
  freshSchema,
  makeTestApp,
  openTestDb,
  PG_URL,
  testConfig,
  type TestApp,
} from './testing/harness';

describe('the HTTP surface', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp('pglite');
  });
  afterAll(() => t.close());

  it('answers unknown API routes with a JSON 404', async () => {
    const res = await t.app.inject({ url: '/api/no/such/thing' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      statusCode: 404,
      code: 'not_found',
      error: 'Not Found',
      message: 'no route GET /api/no/such/thing',
    });
  });

  it('publishes an OpenAPI document generated from the route schemas, and a docs page', async () => {
    const doc = (await t.app.inject({ url: '/api/docs/json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths['/api/auth/login'].post.requestBody.content['application/json'].schema.required).toEqual(
      ['username', 'password'],
    );
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/hospitals', '/api/pairings', '/api/users', '/api/audit']),
    );
    const page = await t.app.inject({ url: '/api/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
  });

  it('never serialises fields missing from the response schema (no password hashes)', async () => {
    const admin = await t.login('program');
    const body = (await t.as(admin, { url: '/api/users' })).body;
    expect(body).not.toMatch(/argon2|password/i);
  });
});

describe('database unavailable', () => {
  it('answers 503 quickly instead of hanging', async () => {
    // The server reaches PostgreSQL through a TCP relay; once it is up, the relay closes and drops every connection:
    // the database is gone (reset connections, then refused ones) while the server keeps running.
    const pgUrl = new URL(PG_URL);
    const sockets = new Set<net.Socket>();
    const relay = net.createServer((client) => {
      const server = net.connect(Number(pgUrl.port || 5432), pgUrl.hostname);
      for (const s of [client, server]) {
        sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => sockets.delete(s));
      }
      client.pipe(server).pipe(client);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const url = new URL(PG_URL);
    url.host = `127.0.0.1:${(relay.address() as net.AddressInfo).port}`;
    const schema = freshSchema();
    const dbh = await openDatabase({ databaseUrl: url.toString(), schema, dataDir: null });
    try {
      await migrateToLatest(dbh.db);
      const app = await buildApp({ config: testConfig(), db: dbh.db, logger: false });
      try {
        await new Promise<void>((r) => {
          relay.close(() => r());
          for (const s of sockets) s.destroy();
        });
        const started = Date.now();
        const res = await app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { username: 'a.b.c', password: 'whatever-1' },
        });
        expect(res.statusCode).toBe(503);
        expect(res.json().code).toBe('unavailable');
        expect(Date.now() - started).toBeLessThan(10_000);
        expect((await app.inject({ url: '/api/health' })).statusCode).toBe(503);
      } finally {
        await app.close();
      }
    } finally {
      await dbh.close();
      await dropSchema(schema);
    }
  }, 60_000);
});

describe('migrations', () => {
  it('create identical tables, columns and types on PGlite and PostgreSQL', async () => {
    const shapes: string[][] = [];
    for (const dialect of DIALECTS) {
      const tdb = await openTestDb(dialect);
      try {
        const cols = await sql<{
          table_name: string;
          column_name: string;
          data_type: string;
          is_nullable: string;
        }>`
          select table_name, column_name, data_type, is_nullable from information_schema.columns
          where table_schema = current_schema() order by table_name, column_name`.execute(tdb.dbh.db);
        shapes.push(cols.rows.map((r) => `${r.table_name}.${r.column_name}:${r.data_type}:${r.is_nullable}`));
      } finally {
        await tdb.close();
      }
    }
    expect(shapes[0]).toContain('users.password_hash:text:NO');
    expect(shapes[0]).toContain('audit_events.hash:text:NO');
    expect(shapes[0]).toContain('pairings.since:date:NO');
    expect(shapes[0]).toContain('hospitals.created_at:timestamp with time zone:NO');
    expect(shapes[1]).toEqual(shapes[0]);
  }, 120_000);
});

describe('graceful shutdown', () => {
  it('lets an in-flight request finish before the server and database close, then closes its connection', async () => {
    const tdb = await openTestDb('pglite');
    const app = await buildApp({ config: testConfig(), db: tdb.dbh.db, logger: false });
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    app.get('/slow', { config: { public: true } }, async () => {
      entered();
      await gate;
      // Still able to use the database: it closes only after the app.
      await sql`select 1`.execute(tdb.dbh.db);
      return { done: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    // Released only once the HTTP server has begun to close (what a SIGTERM during a request looks like).
    const closeBegun = new Promise<void>((r) => {
      const close = app.server.close.bind(app.server);
      app.server.close = (cb) => {
        r();
        return close(cb);
      };
    });
    const port = (app.server.address() as { port: number }).port;
    // A kept-alive connection (fetch's default): once answered it must not hold the closing server open.
    const pending = fetch(`http://127.0.0.1:${port}/slow`).then(async (r) => ({
      status: r.status,
      connection: r.headers.get('connection'),
      body: await r.json(),
    }));
    await inside;
    let closed = false;
    const closing = app.close().then(() => (closed = true));
    await closeBegun;
    expect(closed).toBe(false);
    release();
    expect(await pending).toEqual({ status: 200, connection: 'close', body: { done: true } });
    await closing;
    await tdb.close();
  });
});

describe('the server process', () => {
  it('starts on an empty data dir, prints demo logins, persists, and exits cleanly on SIGTERM', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-proc-'));
    const start = () =>
      new Promise<{ out: string; code: number | null }>((resolve, reject) => {
        const p = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
          cwd: path.resolve(import.meta.dirname, '..'),
          env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
        });
        let out = '';
        const onOut = async (d: Buffer) => {
          out += d.toString();
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m && !out.includes('##checked')) {
            out += '##checked';
            out += `health:${(await fetch(`${m[1]}/api/health`)).status}`;
            p.kill('SIGTERM');
          }
        };
        p.stdout.on('data', onOut);
        p.stderr.on('data', (d: Buffer) => (out += d.toString()));
        p.on('exit', (code) => resolve({ out, code }));
        p.on('error', reject);
      });
    try {
      const first = await start();
      expect(first.code).toBe(0);
      expect(first.out).toContain('Demo accounts (password for all: Demo-2026-consult)');
      expect(first.out).toContain('health:200');
      const second = await start();
      expect(second.code).toBe(0);
      expect(second.out).not.toContain('Demo accounts');
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  it('refuses to start with a clear message on bad configuration', async () => {
    const res = await new Promise<{ out: string; code: number | null }>((resolve) => {
      const p = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: path.resolve(import.meta.dirname, '..'),
        env: { ...process.env, PORT: 'eighty' },
      });
      let out = '';
      p.stderr.on('data', (d: Buffer) => (out += d.toString()));
      p.on('exit', (code) => resolve({ out, code }));
    });
    expect(res.code).toBe(2);
    expect(res.out).toContain(
      'configuration error: PORT must be an integer between 0 and 65535, got "eighty"',
    );
  }, 60_000);
});
