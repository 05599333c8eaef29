/**
 * LISTEN on database channels, for the process's lifetime: what db/data-version.ts hears the data versions by.
 * On PostgreSQL one dedicated connection per database handle for all channels (not a pooled one: a pooled client is
 * shared and LISTEN belongs to a session); when it drops (a restart, a terminated backend) the listeners are told
 * (`lost`), and it is opened again with a growing pause until it is back (`ready`, so each listener can read what it
 * missed) or the last listen is closed.
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
 * LISTEN over ONE dedicated pg connection made with `clientConfig`, shared by every channel listened on through
 * this function (a node listens for all its data versions on one connection), named (application_name)
 * `consult-listen <label>` so an operator (or a test) can tell whose listener a backend is. The connection is
 * opened with the first listen and ended with the last close; a channel is LISTENed when its first listener comes
 * (right away when connected, else as part of connecting) and UNLISTENed when its last goes. When the connection
 * drops every listener is told (`lost`), and it is opened again with a growing pause until it is back (`ready`
 * for each, once every channel is listened to again).
 */
export function pgListen(clientConfig: pg.ClientConfig, label: string): Listen {
  const subscribers = new Map<string, Set<ListenHandlers>>();
  /** The connection being opened or open (null when none is); events of any older one are ignored. */
  let current: pg.Client | null = null;
  /** `current` once it listens to every channel asked for. */
  let client: pg.Client | null = null;
  let timer: NodeJS.Timeout | null = null;
  let pause = 100;
  const everyone = () => [...subscribers.values()].flatMap((set) => [...set]);

  const connect = async () => {
    timer = null;
    const c = new pg.Client({
      ...clientConfig,
      application_name: listenerName(label),
      connectionTimeoutMillis: 3000,
    });
    current = c;
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      void c.end().catch(() => undefined);
      if (current !== c) return;
      current = client = null;
      if (!subscribers.size) return;
      for (const on of everyone()) on.lost(err);
      timer = setTimeout(() => void connect(), pause);
      timer.unref();
      pause = Math.min(pause * 2, 5000);
    };
    c.on('error', fail);
    c.on('end', () => fail(new Error('listen connection ended')));
    c.on('notification', (n) => {
      for (const on of subscribers.get(n.channel) ?? []) on.message(n.payload ?? '');
    });
    try {
      await c.connect();
      // Channels may be asked for while this runs: listen until every one asked for is listened to.
      const listening = new Set<string>();
      for (let more = [...subscribers.keys()]; more.length;) {
        for (const channel of more) {
          await c.query(`listen ${channel}`);
          listening.add(channel);
        }
        more = [...subscribers.keys()].filter((x) => !listening.has(x));
      }
    } catch (err) {
      return fail(err as Error);
    }
    if (current !== c) return void c.end().catch(() => undefined); // the last listen closed meanwhile
    client = c;
    pause = 100;
    for (const on of everyone()) on.ready();
  };

  return (channel, on) => {
    if (!CHANNEL.test(channel)) throw new Error(`invalid channel name ${channel}`);
    let set = subscribers.get(channel);
    const first = !set;
    if (!set) subscribers.set(channel, (set = new Set()));
    set.add(on);
    const c = client;
    if (c) {
      // Listening already: this channel too (a new one first), then this listener is ready. Should the connection
      // fail meanwhile, its reconnect tells everyone.
      void (first ? c.query(`listen ${channel}`) : Promise.resolve()).then(
        () => void (client === c && set.has(on) && on.ready()),
        () => undefined,
      );
    } else if (!current && !timer) void connect();
    return {
      close: async () => {
        if (!set.delete(on) || set.size) return;
        subscribers.delete(channel);
        if (subscribers.size) {
          await client?.query(`unlisten ${channel}`).catch(() => undefined);
          return;
        }
        if (timer) clearTimeout(timer);
        const open = current;
        timer = current = client = null;
        await open?.end().catch(() => undefined);
      },
    };
  };
}

/** The application_name of the connection listening for `label` (a schema). */
export const listenerName = (label: string) => `consult-listen ${label}`.slice(0, 63);

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
