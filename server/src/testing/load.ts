/** Concurrent HTTP clients for the outage tests: each loops over its request until stopped, recording answers. */

export type Phase = 'up' | 'down' | 'changing';

export interface LoadRequest {
  path: string;
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** The status a healthy server answers. */
  ok: number;
}

export interface LoadResult {
  /** The phase the request started AND ended in ('changing' when it straddled a change). */
  phase: Phase;
  status: number | 'network-error' | 'timeout';
  code?: string;
  ok: number;
}

/** Poll `cond` until it holds, for at most `ms` (a bounded wait on a real condition). */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    let ok = false;
    try {
      ok = await cond();
    } catch {
      ok = false;
    }
    if (ok) return;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A request that takes longer than this counts as a hang: a dead dependency must answer fast. */
const REQUEST_TIMEOUT_MS = 15_000;

export function runLoad(
  baseUrl: string,
  clients: number,
  phase: () => Phase,
  requestFor: (client: number) => LoadRequest,
) {
  const results: LoadResult[] = [];
  let running = true;
  const one = async (i: number) => {
    const req = requestFor(i);
    const started = phase();
    let status: LoadResult['status'];
    let code: string | undefined;
    try {
      const res = await fetch(`${baseUrl}${req.path}`, {
        method: req.method ?? 'GET',
        headers: req.headers,
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      status = res.status;
      const body = (await res.json().catch(() => null)) as { code?: string } | null;
      code = body?.code;
    } catch (err) {
      status = (err as Error).name === 'TimeoutError' ? 'timeout' : 'network-error';
    }
    const ended = phase();
    results.push({
      phase: started === ended ? started : 'changing',
      status,
      ok: req.ok,
      ...(code && { code }),
    });
  };
  const loops = Array.from({ length: clients }, async (_, i) => {
    while (running) await one(i);
  });
  return {
    results,
    count: (p: Phase) => results.reduce((n, r) => n + (r.phase === p ? 1 : 0), 0),
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}
