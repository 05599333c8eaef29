/**
 * The SFU's settings: the mediasoup worker binary, the RTC addresses and ports, TURN relays and the round lease.
 * Read once at start by loadConfig (config.ts) and validated with clear messages.
 */
// Only called from loadConfig, after config.ts has loaded: the cycle is harmless.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, intVar, isIp } from '../config';

export interface SfuConfig {
  /** Absolute path of the mediasoup worker binary, or null when none was found (media then fails per round). */
  workerBin: string | null;
  /** Workers in the pool; default one per CPU core. */
  workers: number;
  /** IP the RTC transports bind to (SFU_LISTEN_IP, default 127.0.0.1; 0.0.0.0 on a server). */
  listenIp: string;
  /** Address announced in ICE candidates (SFU_ANNOUNCED_IP: public IP or host name behind NAT). */
  announcedAddress: string | null;
  rtcMinPort: number;
  rtcMaxPort: number;
  /** Peers on one router before a round spreads to another worker via pipeToRouter (SFU_PEERS_PER_ROUTER, 50). */
  peersPerRouter: number;
  /** TURN relays handed to browsers (TURN_URLS comma-separated turn:/turns: URLs). */
  turnUrls: string[];
  turnUsername: string | null;
  turnCredential: string | null;
  /**
   * coturn's REST-API shared secret (TURN_SECRET, `static-auth-secret`): each browser gets its own credential that
   * expires after turnTtlSeconds (TURN_TTL_SECONDS, default 12 h) instead of one static password.
   */
  turnSecret: string | null;
  turnTtlSeconds: number;
  /**
   * With REDIS_URL, one node owns each live round through a Redis lease of this many ms (ROUND_LEASE_MS, default
   * 2500), renewed every fifth of it: also how long a dead node's rounds wait before a survivor takes them.
   */
  roundLeaseMs: number;
}

/** Where infra/mediasoup-worker.sh caches the worker it builds (MEDIASOUP_CACHE_DIR overrides the root). */
export const MEDIASOUP_VERSION = '3.19.22';
export const cachedWorkerBin = (env: NodeJS.ProcessEnv) =>
  path.join(
    env.MEDIASOUP_CACHE_DIR || '/var/cache/consult-platform',
    `mediasoup-${MEDIASOUP_VERSION}`,
    'mediasoup-worker',
  );

export function loadSfuConfig(env: NodeJS.ProcessEnv): SfuConfig {
  let workerBin: string | null = null;
  if (env.MEDIASOUP_WORKER_BIN) {
    workerBin = path.resolve(env.MEDIASOUP_WORKER_BIN);
    try {
      fs.accessSync(workerBin, fs.constants.X_OK);
    } catch {
      throw new ConfigError(`MEDIASOUP_WORKER_BIN is not an executable file: "${env.MEDIASOUP_WORKER_BIN}"`);
    }
  } else {
    const cached = cachedWorkerBin(env);
    try {
      fs.accessSync(cached, fs.constants.X_OK);
      workerBin = cached;
    } catch {
      workerBin = null; // rounds without media still work; joining media answers 'unavailable'
    }
  }
  const listenIp = env.SFU_LISTEN_IP || '127.0.0.1';
  if (!isIp(listenIp)) throw new ConfigError(`SFU_LISTEN_IP must be an IP address, got "${listenIp}"`);
  const announced = env.SFU_ANNOUNCED_IP || null;
  if (announced && !isIp(announced) && !/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/i.test(announced)) {
    throw new ConfigError(`SFU_ANNOUNCED_IP must be an IP address or host name, got "${announced}"`);
  }
  if (listenIp === '0.0.0.0' || listenIp === '::') {
    if (!announced)
      throw new ConfigError(`SFU_LISTEN_IP=${listenIp} needs SFU_ANNOUNCED_IP (the address browsers reach)`);
  }
  const rtcMinPort = intVar(env, 'RTC_MIN_PORT', 40000, 1024, 65535);
  const rtcMaxPort = intVar(env, 'RTC_MAX_PORT', 49999, 1024, 65535);
  if (rtcMaxPort < rtcMinPort)
    throw new ConfigError(`RTC_MAX_PORT (${rtcMaxPort}) is below RTC_MIN_PORT (${rtcMinPort})`);
  const turnUrls = (env.TURN_URLS ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  for (const u of turnUrls) {
    if (!/^turns?:[^\s]+$/.test(u))
      throw new ConfigError(`TURN_URLS entries must start with turn: or turns:, got "${u}"`);
  }
  const turnUsername = env.TURN_USERNAME || null;
  const turnCredential = env.TURN_CREDENTIAL || null;
  const turnSecret = env.TURN_SECRET || null;
  if (turnSecret !== null && turnSecret.length < 16) {
    throw new ConfigError('TURN_SECRET must be at least 16 characters');
  }
  if (turnSecret && (turnUsername || turnCredential)) {
    throw new ConfigError(
      'set either TURN_SECRET (time-limited credentials) or TURN_USERNAME/TURN_CREDENTIAL, not both',
    );
  }
  if (turnUrls.length && !turnSecret && (!turnUsername || !turnCredential)) {
    throw new ConfigError('TURN_URLS needs TURN_SECRET, or TURN_USERNAME and TURN_CREDENTIAL');
  }
  return {
    workerBin,
    workers: intVar(env, 'SFU_WORKERS', os.availableParallelism(), 1, 256),
    listenIp,
    announcedAddress: announced,
    rtcMinPort,
    rtcMaxPort,
    peersPerRouter: intVar(env, 'SFU_PEERS_PER_ROUTER', 50, 1, 10000),
    turnUrls,
    turnUsername,
    turnCredential,
    turnSecret,
    turnTtlSeconds: intVar(env, 'TURN_TTL_SECONDS', 12 * 3600, 60, 7 * 24 * 3600),
    roundLeaseMs: intVar(env, 'ROUND_LEASE_MS', 2500, 500, 60_000),
  };
}
