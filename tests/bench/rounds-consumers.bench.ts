/**
 * Consumers per mediasoup worker (`pnpm bench rounds-consumers`): one worker, one VP8 producer fed by a synthetic
 * RTP sender (30 fps, ~1000-byte packets, ~250 kbit/s), N SRTP PlainTransport consumers sending to local UDP sinks in
 * a child process; N grows until the worker fails to send 1 % of the packets it should (its consumers' outbound-rtp
 * counters vs its producer's inbound packets × N, one snapshot each) or saturates its core. Worker CPU from
 * getResourceUsage(). The receiving process's own loss is printed too: on a 2-core machine it saturates (~6k
 * packets/s of JS handlers) long before the worker. Baseline: mediasoup's published figure of ~500 consumers per
 * worker (per core). Ratio = ours / 500.
 *
 * Runs from server/ (tests/bench/run-all.mjs). Needs the mediasoup worker (MEDIASOUP_WORKER_BIN or the
 * infra/mediasoup-worker.sh cache). BENCH_STEP_SECONDS (default 4) per step.
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import os from 'node:os';
import path from 'node:path';
// Type-only, from the server package (the tests package does not depend on mediasoup).
import type { types } from '../../server/node_modules/mediasoup/node/lib/index.js';
import { fromServer, SERVER_DIR } from './server-process';
type MediasoupModule = typeof import('../../server/node_modules/mediasoup/node/lib/index.js');

const STEP_SECONDS = Number(process.env.BENCH_STEP_SECONDS ?? 4);
const PUBLISHED_CONSUMERS_PER_CORE = 500;

const { loadConfig } = await import(path.join(SERVER_DIR, 'src/config.ts'));
const sfuConfig = loadConfig({}).sfu;
if (!sfuConfig.workerBin) {
  console.error('no mediasoup worker binary: run infra/mediasoup-worker.sh or set MEDIASOUP_WORKER_BIN');
  process.exit(1);
}

const SINK_SOURCE = `
const dgram = require('node:dgram');
const n = Number(process.argv[1]);
let received = 0;
const ports = [];
let open = 0;
for (let i = 0; i < n; i++) {
  const s = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  s.on('message', () => received++);
  s.bind(0, '127.0.0.1', () => {
    ports[i] = s.address().port;
    if (++open === n) process.stdout.write(JSON.stringify(ports) + '\\n');
  });
}
// Report the running count five times a second (a request/response over stdin starves when the loop is busy).
setInterval(() => process.stdout.write(received + '\\n'), 200);
process.stdin.on('end', () => process.exit(0));
`;

/** A synthetic VP8 sender: one ~1000-byte packet per frame at 30 fps, a keyframe every second. */
function startSender(port: number, ssrc: number, pt: number) {
  const sock = dgram.createSocket('udp4');
  let seq = 0;
  let ts = 0;
  let pic = 0;
  let sent = 0;
  const timer = setInterval(() => {
    const key = pic % 30 === 0;
    const buf = Buffer.alloc(12 + 1000);
    buf[0] = 0x80;
    buf[1] = 0x80 | pt; // marker: one packet per frame
    buf.writeUInt16BE(seq++ & 0xffff, 2);
    buf.writeUInt32BE(ts >>> 0, 4);
    buf.writeUInt32BE(ssrc, 8);
    // VP8 payload descriptor: X=1 S=1, I=1, 15-bit picture id; then the payload header (P=0 on keyframes).
    buf[12] = 0x90;
    buf[13] = 0x80;
    buf.writeUInt16BE(0x8000 | (pic & 0x7fff), 14);
    buf[16] = key ? 0x10 : 0x11;
    if (key) buf.set([0x00, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01], 17);
    ts += 3000;
    pic++;
    sock.send(buf, port, '127.0.0.1');
    sent++;
  }, 1000 / 30);
  return { sent: () => sent, stop: () => (clearInterval(timer), sock.close()) };
}

async function consumerBench() {
  process.env.MEDIASOUP_WORKER_BIN = sfuConfig.workerBin;
  const mod = (await import(fromServer.resolve('mediasoup'))) as MediasoupModule & {
    default?: MediasoupModule;
  };
  const ms = mod.default ?? mod;
  const worker = await ms.createWorker({ logLevel: 'error', rtcMinPort: 20000, rtcMaxPort: 39999 });
  const { MEDIA_CODECS } = await import(path.join(SERVER_DIR, 'src/sfu/codecs.ts'));
  const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
  const { plainVp8Producer } = await import(path.join(SERVER_DIR, 'src/sfu/testing.ts'));
  const { transport: ingest, producer } = await plainVp8Producer(router, { ssrc: 4242, pt: 101 });
  const sender = startSender(ingest.tuple.localPort, 4242, 101);

  // Receivers in a child process, so counting packets does not compete with the sender's timer.
  const SINK_SOCKETS = 80;
  const sinkProc = spawn(process.execPath, ['-e', SINK_SOURCE, String(SINK_SOCKETS)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let sinkPorts: number[] = [];
  const waiters: ((n: number) => void)[] = [];
  let portsReady: () => void;
  const ready = new Promise<void>((r) => (portsReady = r));
  let buf = '';
  sinkProc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.startsWith('[')) {
        sinkPorts = JSON.parse(line) as number[];
        portsReady();
      } else for (const w of waiters.splice(0)) w(Number(line));
    }
  });
  await ready;
  /** The receivers' count, from their next report. */
  const received = () => new Promise<number>((r) => waiters.push(r));
  const consumers: { transport: types.PlainTransport; consumer: types.Consumer }[] = [];
  const addConsumers = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const port = sinkPorts[consumers.length % SINK_SOCKETS]!;
      // SRTP on, so the worker encrypts per consumer as it does for browsers.
      const transport = await router.createPlainTransport({
        listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
        rtcpMux: true,
        comedia: false,
        enableSrtp: true,
        srtpCryptoSuite: 'AES_CM_128_HMAC_SHA1_80',
      });
      await transport.connect({
        ip: '127.0.0.1',
        port,
        srtpParameters: {
          cryptoSuite: 'AES_CM_128_HMAC_SHA1_80',
          keyBase64: 'ZnQ3eWJraDg0d3ZoYzM5cXN1Y2pnaHU5NWxrd2Jy',
        },
      });
      const consumer = await transport.consume({
        producerId: producer.id,
        rtpCapabilities: router.rtpCapabilities,
      });
      consumers.push({ transport, consumer });
    }
  };
  /** One snapshot of the worker's counters: packets in on the producer, packets out on all consumers. */
  const counters = async () => {
    const [p, ...cs] = await Promise.all([
      producer.getStats(),
      ...consumers.map((c) => c.consumer.getStats()),
    ]);
    const inbound = p!.find((x: { type: string }) => x.type === 'inbound-rtp')?.packetCount ?? 0;
    const out = cs.reduce(
      (n, st) => n + (st.find((x: { type: string }) => x.type === 'outbound-rtp')?.packetCount ?? 0),
      0,
    );
    return { inbound, out };
  };
  const cpu = async () => {
    const u = await worker.getResourceUsage();
    return u.ru_utime + u.ru_stime; // ms
  };

  const rows: { consumers: number; loss: number; cpu: number }[] = [];
  let best: { consumers: number; cpu: number } | null = null;
  const step = async (target: number) => {
    await addConsumers(target - consumers.length);
    await new Promise((r) => setTimeout(r, 1000)); // settle: new consumers start with a keyframe request
    const w0 = await counters();
    const recv0 = await received();
    const sent0 = sender.sent();
    const cpu0 = await cpu();
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, STEP_SECONDS * 1000));
    const recv = (await received()) - recv0;
    const sent = sender.sent() - sent0;
    const cpu1 = await cpu();
    const wall = Date.now() - t0;
    const expected = sent * consumers.length;
    const loss = Math.max(0, 1 - recv / expected);
    const w1 = await counters();
    const workerLoss = Math.max(0, 1 - (w1.out - w0.out) / ((w1.inbound - w0.inbound) * consumers.length));
    const load = (cpu1 - cpu0) / wall;
    rows.push({ consumers: consumers.length, loss: workerLoss, cpu: load });
    console.log(
      `  ${String(consumers.length).padStart(5)} consumers: worker loss ${(workerLoss * 100).toFixed(2).padStart(5)} % (receiver process lost ${(loss * 100).toFixed(1)} %), worker CPU ${(load * 100).toFixed(0).padStart(3)} % of a core, ${Math.round((recv / wall) * 1000)} pkt/s delivered`,
    );
    return { workerLoss, load };
  };
  let stalled: number | null = null;
  for (const target of [50, 100, 200, 300, 400, 500, 600, 800, 1000, 1200, 1500, 2000]) {
    // A step that does not finish in time (the 2-core machine also runs the receivers) ends the climb.
    const r = await Promise.race([
      step(target),
      new Promise<null>((res) => setTimeout(() => res(null), (STEP_SECONDS + 30) * 1000)),
    ]);
    if (!r) {
      stalled = target;
      break;
    }
    // The SFU's loss is what the worker failed to send; the local receiver process (one JS thread on a machine
    // shared with the worker) saturates first, so its count is printed but does not stop the climb.
    if (r.workerLoss >= 0.01 || r.load > 0.95) break;
    best = { consumers: consumers.length, cpu: r.load };
  }
  if (stalled)
    console.log(`  (the measuring harness stalled while growing to ${stalled} consumers; stopping there)`);
  sender.stop();
  sinkProc.stdin!.end();
  sinkProc.kill();
  worker.close();
  sinkProc.kill('SIGKILL');
  return { best, rows };
}

console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
console.log('\n[2] VP8 consumers on one mediasoup worker (synthetic 30 fps RTP, PlainTransport sinks)');
const cons = await consumerBench();
if (cons.best) {
  console.log(
    `  max consumers at < 1 % loss: ${cons.best.consumers} (worker CPU ${(cons.best.cpu * 100).toFixed(0)} % of a core)`,
  );
  console.log(`  baseline: mediasoup's published ~${PUBLISHED_CONSUMERS_PER_CORE} consumers per worker/core`);
  console.log(`  ratio ours / published: ${(cons.best.consumers / PUBLISHED_CONSUMERS_PER_CORE).toFixed(2)}`);
  console.log(
    `  (CPU-bound estimate at this packet rate: ~${Math.round(cons.best.consumers / Math.max(cons.best.cpu, 0.01))} consumers per fully used core)`,
  );
} else {
  console.log('  loss ≥ 1 % already at the first step');
}
process.exit(0);
