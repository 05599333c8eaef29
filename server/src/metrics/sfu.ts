import type { FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import type { Sfu } from '../sfu/Sfu';
import type { ReadinessCheck } from '../health/plugin';

export const sfuReadiness =
  (sfu: Sfu): ReadinessCheck =>
  async () => {
    if (!sfu.config.workerBin) return 'disabled (no mediasoup worker binary)';
    const workers = sfu.pool.workers;
    if (workers.length === 0) return 'idle (workers start with the first round)';
    const live = workers.filter((w) => !w.worker.closed).length;
    if (live === 0) throw new Error(`all ${workers.length} mediasoup workers are dead`);
    return `${live}/${workers.length} workers`;
  };

/**
 * The SFU's part of operations, called once by the rounds capability with its Sfu:
 *   - /health/ready's `sfu` check: fails when the workers were started and none is alive (media cannot be served);
 *     a pool not started yet (workers start with the first round) or a node without a worker binary is reported,
 *     not failed, since everything but media still works there.
 *   - gauges: open rounds (rooms), peers, consumers, and live workers on this node.
 */
export function observeSfu(app: FastifyInstance, sfu: Sfu): void {
  app.readiness.add('sfu', sfuReadiness(sfu));

  const registers = [app.metrics];
  const rooms = () => [...sfu.rooms.values()].filter((r) => !r.closed);
  new Gauge({
    name: 'consult_rounds_live',
    help: 'rounds with an open media room on this node',
    registers,
    collect() {
      this.set(rooms().length);
    },
  });
  new Gauge({
    name: 'consult_round_peers',
    help: 'participants connected to media rooms on this node',
    registers,
    collect() {
      this.set(rooms().reduce((n, r) => n + r.peers.size, 0));
    },
  });
  new Gauge({
    name: 'consult_sfu_consumers',
    help: 'mediasoup consumers (streams forwarded to participants) on this node',
    registers,
    collect() {
      let n = 0;
      for (const r of rooms()) for (const p of r.peers.values()) n += p.consumers.size;
      this.set(n);
    },
  });
  new Gauge({
    name: 'consult_sfu_workers_live',
    help: 'live mediasoup workers on this node (0 until the first round starts them)',
    registers,
    collect() {
      this.set(sfu.pool.workers.filter((w) => !w.worker.closed).length);
    },
  });
}
