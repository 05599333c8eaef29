import os from 'node:os';
import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config';
import type { Sfu } from '../sfu/Sfu';
import type { RoundLeases } from './cluster/leases';
import { LocalLeases } from './cluster/LocalLeases';
import { NodeBus } from './cluster/NodeBus';
import { RedisLeases } from './cluster/RedisLeases';
import { RoundHost } from './cluster/RoundHost';
import { RoundRouter } from './cluster/RoundRouter';

export { iceServers } from './ice-servers';
export { recordingPath, waitForRecordings } from './recording-jobs';

export interface RoundSignalling {
  readonly nodeId: string;
  readonly leases: RoundLeases;
  readonly host: RoundHost;
  /** The round ended: close its room on whichever node owns it. */
  endRound(roundId: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Round signalling on the socket: `round:<method>` requests with acks, `round:notify` notifications. Without
 * Redis this node serves every round. With REDIS_URL each live round is owned by one node (a lease in Redis,
 * cluster/RedisLeases.ts); a socket on any node reaches it through the node bus (cluster/RoundRouter.ts), and
 * its browser's media connects to the owner's announced address. See README "Rounds across nodes".
 */
export async function registerRoundSocket(
  app: FastifyInstance,
  config: Config,
  sfu: Sfu,
): Promise<RoundSignalling> {
  const nodeId = `${os.hostname()}-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
  let leases: RoundLeases;
  let bus: NodeBus | null = null;
  if (config.redisUrl) {
    const prefix = `${config.redisKeyPrefix}:rounds:`;
    leases = await RedisLeases.connect({
      url: config.redisUrl,
      prefix: `${prefix}lease:`,
      nodeId,
      ttlMs: config.sfu.roundLeaseMs,
      log: app.log,
    });
    bus = await NodeBus.connect(config.redisUrl, `${prefix}node:`, nodeId, app.log);
    // Any node of a cluster may have to take a round over: its media workers are started now, not on the
    // takeover (loading mediasoup and spawning a worker would add seconds to the failover).
    if (config.sfu.workerBin)
      void sfu.pool.ready().catch((err: unknown) => app.log.warn({ err }, 'media workers did not start'));
  } else leases = new LocalLeases(nodeId);
  const host = new RoundHost({ app, config, sfu, leases, bus });
  const router = new RoundRouter({ app, host, leases, bus });
  return {
    nodeId,
    leases,
    host,
    endRound: (roundId) => router.endRound(roundId),
    close: async () => {
      router.close();
      host.close();
      await bus?.close();
      await leases.close();
    },
  };
}
