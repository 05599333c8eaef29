/**
 * A round-lease holder in its own process, for the lease tests (a real process can be stopped with SIGSTOP, as
 * a GC pause or a frozen VM would stop it). Reads commands on stdin, one per line, answers one JSON line each:
 *   acquire <roundId>          → {"holder":{"nodeId","token"}}
 *   holds <roundId> <token>    → {"holds":boolean}
 * and prints {"lost":[roundId, token]} when the lease is lost. Env: REDIS_URL, PREFIX, NODE_ID, TTL_MS.
 */
import readline from 'node:readline';
import type { FastifyBaseLogger } from 'fastify';
import { RedisLeases } from '../rounds/cluster/RedisLeases';

const silent = {
  child: () => silent,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
} as unknown as FastifyBaseLogger;

const leases = await RedisLeases.connect({
  url: process.env.REDIS_URL!,
  prefix: process.env.PREFIX!,
  nodeId: process.env.NODE_ID!,
  ttlMs: Number(process.env.TTL_MS),
  log: silent,
});
const say = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
leases.on('lost', (roundId, token) => say({ lost: [roundId, token] }));
say({ ready: true });
for await (const line of readline.createInterface({ input: process.stdin })) {
  const [cmd, roundId, token] = line.trim().split(' ');
  if (cmd === 'acquire') say({ holder: await leases.acquire(roundId!) });
  else if (cmd === 'holds') say({ holds: leases.holds(roundId!, Number(token)) });
}
await leases.close();
