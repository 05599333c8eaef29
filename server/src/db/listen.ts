/**
 * LISTEN on one database channel, for the process's lifetime: what db/data-version.ts hears the data versions by.
 * On PostgreSQL a dedicated connection (not a pooled one: a pooled client is shared and LISTEN belongs to a session);
 * when it drops (a restart, a terminated backend) the listener is told (`lost`), and the connection is opened again
 * with a growing pause until it is back (`ready`, so the listener can read what it missed) or the listen is closed.
 * On the embedded database PGlite's own listen: one process, one connection, nothing to lose.
 */
import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';

export interface ListenHandlers {
  /** Listening (again): anything announced before this may have been missed. */
  ready(): void;
  message(payload: string): void;
  /** Not listening any more (until the next `ready`). */
  lost(err: Error): void;
}

export type Listen = (channel: string, on: ListenHandlers) => { close(): Promise<void> };

const CHANNEL = /^[a-z_][a-z0-9_]*$/;

/**
 * LISTEN over dedicated pg connections made with `clientConfig`, one per channel, each named (application_name)
 * `consult-listen <channel> <label>` so an operator (or a test) can tell whose listener a backend is.
 */
export function pgListen(clientConfig: pg.ClientConfig, label: string): Listen {
  return (channel, on) => {
    if (!CHANNEL.test(channel)) throw new Error(`invalid channel name ${channel}`);
    let closed = false;
    let client: pg.Client | null = null;
    let timer: NodeJS.Timeout | null = null;
    let pause = 100;
    const retry = (err: Error) => {
      client = null;
      if (closed) return;
      on.lost(err);
      timer = setTimeout(() => void connect(), pause);
      timer.unref();
      pause = Math.min(pause * 2, 5000);
    };
    const connect = async () => {
      timer = null;
      const c = new pg.Client({
        ...clientConfig,
        application_name: listenerName(channel, label),
        connectionTimeoutMillis: 3000,
      });
      let failed = false;
      const fail = (err: Error) => {
        if (failed) return;
        failed = true;
        void c.end().catch(() => undefined);
        retry(err);
      };
      c.on('error', fail);
      c.on('end', () => fail(new Error('listen connection ended')));
      c.on('notification', (n) => {
        if (n.channel === channel) on.message(n.payload ?? '');
      });
      try {
        await c.connect();
        await c.query(`listen ${channel}`);
      } catch (err) {
        return fail(err as Error);
      }
      if (closed) return void c.end().catch(() => undefined);
      client = c;
      pause = 100;
      on.ready();
    };
    void connect();
    return {
      close: async () => {
        closed = true;
        if (timer) clearTimeout(timer);
        const c = client;
        client = null;
        await c?.end().catch(() => undefined);
      },
    };
  };
}

/** The application_name of the connection listening on `channel` for `label` (a schema). */
export const listenerName = (channel: string, label: string) =>
  `consult-listen ${channel} ${label}`.slice(0, 63);

/** LISTEN on the embedded database. */
export function pgliteListen(pglite: PGlite): Listen {
  return (channel, on) => {
    if (!CHANNEL.test(channel)) throw new Error(`invalid channel name ${channel}`);
    const unlisten = pglite
      .listen(channel, (payload) => on.message(payload))
      .then(
        (u) => {
          on.ready();
          return u;
        },
        (err: Error) => {
          on.lost(err);
          return null;
        },
      );
    return {
      close: async () => {
        const u = await unlisten;
        if (u && !pglite.closed) await u().catch(() => undefined);
      },
    };
  };
}
