/**
 * One benchmark cell measured with autocannon (worklist-scale.bench.ts): `warmup` unmeasured requests, then
 * `requests` measured over `connections` connections; p95 latency, requests/s over the time from the first request
 * to the last answer (autocannon's own `duration` is taken at its next one-second sample tick after the last
 * answer, so `total / duration` was rounded down to total / whole seconds), and the CPU behind them when probed.
 */
import autocannon from 'autocannon';
import type { CpuProbe } from './server-process';

export interface Cell {
  p95: number;
  rps: number;
  ok: number;
  bad: number;
  /** CPU milliseconds per measured request: the server process, and its database backends. */
  cpu?: { server: number; db: number };
}

export interface CellOptions {
  url: string;
  headers: Record<string, string>;
  connections: number;
  warmup: number;
  requests: number;
}

export async function measureCell(o: CellOptions, probe?: CpuProbe): Promise<Cell> {
  const { url, headers, connections } = o;
  const warm = await autocannon({ url, connections, amount: o.warmup, headers });
  await probe?.start();
  const times: number[] = [];
  const start = performance.now();
  let last = start;
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const inst = autocannon({ url, connections, amount: o.requests, headers }, (err, res) =>
      err ? reject(err) : resolve(res),
    );
    inst.on('response', (_c, _s, _b, ms) => {
      times.push(ms);
      last = performance.now();
    });
  });
  times.sort((a, b) => a - b);
  const p95 = times[Math.min(times.length - 1, Math.floor(0.95 * times.length))] ?? NaN;
  const total = r.requests.total;
  const ok = total - r.non2xx + warm.requests.total - warm.non2xx;
  const bad = r.non2xx + r.errors + warm.non2xx + warm.errors;
  if (bad)
    console.log(
      `  ${url}: ${r.non2xx + warm.non2xx} non-2xx answers, ${r.errors + warm.errors} errors (${r.timeouts + warm.timeouts} timeouts)`,
    );
  return { p95, rps: total / ((last - start) / 1000), ok, bad, cpu: probe?.stop(total) };
}
