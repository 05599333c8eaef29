/**
 * Two "machines" for the cluster e2e: network namespaces joined to the root namespace by veth pairs, each with
 * a /30 of its own (root end .1, namespace end .2) and a default route back to the root end. The shared services
 * (a private redis-server and a private PostgreSQL cluster) listen on the root ends, so both namespaces reach
 * them and nothing else; the browsers stay in the root namespace. Names carry this process's pid; leftovers of
 * killed runs are deleted first.
 */
import { execFileSync } from 'node:child_process';

export const PREFIX = 'cnd';

export interface Machine {
  ns: string;
  /** The root namespace's end of the link (where the shared services listen). */
  rootIp: string;
  /** The namespace's own address (where its node listens). */
  ip: string;
}

const run = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' }).toString();
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Delete namespaces and veth pairs left by killed runs of this file; a live run's are left alone. */
function removeStale(): void {
  for (const line of run('netns', 'list').split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = new RegExp(`^${PREFIX}-(\\d+)-[ab]$`).exec(name);
    if (m && (Number(m[1]) === process.pid || !alive(Number(m[1])))) run('netns', 'del', name);
  }
  for (const line of run('-o', 'link', 'show').split('\n')) {
    const m = new RegExp(`^\\d+: (${PREFIX}(\\d+)[ab]r)[@:]`).exec(line);
    if (m && (Number(m[2]) === process.pid || !alive(Number(m[2])))) run('link', 'del', m[1]!);
  }
}

export function createMachines(): [Machine, Machine] {
  removeStale();
  const base = `10.214.${process.pid % 250}`;
  return (['a', 'b'] as const).map((name, i) => {
    const ns = `${PREFIX}-${process.pid}-${name}`;
    const root = `${PREFIX}${process.pid}${name}r`;
    const inner = `${PREFIX}${process.pid}${name}n`;
    const rootIp = `${base}.${i * 4 + 1}`;
    const ip = `${base}.${i * 4 + 2}`;
    run('netns', 'add', ns);
    run('link', 'add', root, 'type', 'veth', 'peer', 'name', inner);
    run('link', 'set', inner, 'netns', ns);
    run('addr', 'add', `${rootIp}/30`, 'dev', root);
    run('link', 'set', root, 'up');
    run('-n', ns, 'addr', 'add', `${ip}/30`, 'dev', inner);
    run('-n', ns, 'link', 'set', 'lo', 'up');
    run('-n', ns, 'link', 'set', inner, 'up');
    run('-n', ns, 'route', 'add', 'default', 'via', rootIp);
    return { ns, rootIp, ip };
  }) as [Machine, Machine];
}

export function removeMachines(machines: Machine[]): void {
  for (const m of machines) {
    try {
      run('netns', 'del', m.ns); // deletes its end of the veth, and with it the pair
    } catch {
      // already gone
    }
  }
}
