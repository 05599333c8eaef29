/**
 * The county gateway test's three "machines", each a network namespace of its own (needs root):
 *   county  (the hospital LAN side: the county PACS and the CT scanner, dcmtk's storescu)
 *   gateway (the edge gateway's Orthanc: one leg on the LAN, one on the WAN)
 *   city    (the platform)
 * joined by veth pairs, each a /30 of 10.217.<pid % 250>.x: LAN county .1 — gateway .2, WAN gateway .5 — city .6,
 * and a management link root .9 — city .10 so that the test (in the root namespace) reaches the platform's API
 * as the county doctor's browser would. There is no route between the links: the gateway reaches the city only over
 * its WAN veth, which `wan(false)` takes down and `wanRate` slows. Names carry this process's pid; leftovers of killed runs are deleted.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const PREFIX = 'cgw';
const pid = process.pid;
const base = `10.217.${pid % 250}`;

export const NET = {
  county: { ns: `${PREFIX}-${pid}-c`, lanIp: `${base}.1` },
  gateway: { ns: `${PREFIX}-${pid}-g`, lanIp: `${base}.2`, wanIp: `${base}.5`, wanIf: `${PREFIX}${pid}wg` },
  city: { ns: `${PREFIX}-${pid}-p`, wanIp: `${base}.6`, mgmtIp: `${base}.10` },
  rootMgmtIp: `${base}.9`,
};

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' }).toString();
const alive = (p: number) => {
  try {
    process.kill(p, 0);
    return true;
  } catch {
    return false;
  }
};

function removeStale(): void {
  for (const line of ip('netns', 'list').split('\n')) {
    const m = new RegExp(`^${PREFIX}-(\\d+)-[cgp]\\b`).exec(line);
    if (m && (Number(m[1]) === pid || !alive(Number(m[1])))) ip('netns', 'del', line.split(' ')[0]!);
  }
  for (const line of ip('-o', 'link', 'show').split('\n')) {
    const m = new RegExp(`^\\d+: (${PREFIX}(\\d+)mr)[@:]`).exec(line);
    if (m && (Number(m[2]) === pid || !alive(Number(m[2])))) ip('link', 'del', m[1]!);
  }
}

/** A veth pair between two namespaces (null = the root namespace), addressed a/30 and b/30. */
function link(
  a: { ns: string | null; dev: string; ip: string },
  b: { ns: string | null; dev: string; ip: string },
): void {
  ip('link', 'add', a.dev, 'type', 'veth', 'peer', 'name', b.dev);
  for (const end of [a, b]) {
    if (end.ns) ip('link', 'set', end.dev, 'netns', end.ns);
    const inNs = end.ns ? ['-n', end.ns] : [];
    ip(...inNs, 'addr', 'add', `${end.ip}/30`, 'dev', end.dev);
    ip(...inNs, 'link', 'set', end.dev, 'up');
  }
}

export function createNetwork(): void {
  removeStale();
  for (const m of [NET.county, NET.gateway, NET.city]) {
    ip('netns', 'add', m.ns);
    ip('-n', m.ns, 'link', 'set', 'lo', 'up');
  }
  link(
    { ns: NET.county.ns, dev: `${PREFIX}${pid}lc`, ip: NET.county.lanIp },
    { ns: NET.gateway.ns, dev: `${PREFIX}${pid}lg`, ip: NET.gateway.lanIp },
  );
  link(
    { ns: NET.gateway.ns, dev: NET.gateway.wanIf, ip: NET.gateway.wanIp },
    { ns: NET.city.ns, dev: `${PREFIX}${pid}wp`, ip: NET.city.wanIp },
  );
  link(
    { ns: null, dev: `${PREFIX}${pid}mr`, ip: NET.rootMgmtIp },
    { ns: NET.city.ns, dev: `${PREFIX}${pid}mp`, ip: NET.city.mgmtIp },
  );
}

export function removeNetwork(): void {
  for (const m of [NET.county, NET.gateway, NET.city]) {
    try {
      ip('netns', 'del', m.ns); // its veth ends go with it, and their peers
    } catch {
      // already gone
    }
  }
}

/** The WAN as seen from the gateway: its veth up or down (`ip link set <veth> down` in its namespace). */
export function wan(up: boolean): void {
  ip('-n', NET.gateway.ns, 'link', 'set', NET.gateway.wanIf, up ? 'up' : 'down');
}

/** Shape the gateway's WAN upload (tbf on its veth: a token bucket; null removes it). */
export function wanRate(rate: string | null): void {
  const tc = (...args: string[]) =>
    execFileSync('ip', ['netns', 'exec', NET.gateway.ns, 'tc', ...args], { stdio: 'pipe' });
  if (rate)
    tc(
      'qdisc',
      'replace',
      'dev',
      NET.gateway.wanIf,
      'root',
      'tbf',
      'rate',
      rate,
      'burst',
      '16kbit',
      'latency',
      '500ms',
    );
  else tc('qdisc', 'del', 'dev', NET.gateway.wanIf, 'root');
}

const execFileAsync = promisify(execFile);

/** Run a command inside a namespace; resolves with its output and exit code (never rejects on a non-zero exit). */
export async function runIn(
  ns: string,
  cmd: string,
  args: string[],
  timeoutMs = 120_000,
): Promise<{ code: number; out: string }> {
  try {
    const r = await execFileAsync('ip', ['netns', 'exec', ns, cmd, ...args], {
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof err.code === 'number' ? err.code : -1,
      out: `${err.stdout ?? ''}${err.stderr ?? ''}`,
    };
  }
}
