import net from 'node:net';
import path from 'node:path';
import { loadOpsConfig, type OpsConfig } from './ops-config';
import { loadSecurityConfig, type SecurityConfig } from './security-config';
import { loadSignerConfig, type SignerConfig } from './signers/config';
import { loadReportTrustConfig, type ReportTrustConfig } from './report-trust-config';
import { loadSfuConfig, type SfuConfig } from './sfu/config';

export type { SecurityConfig };

/** Runtime configuration, read from the environment once at start and validated with clear messages. */
export interface Config extends OpsConfig {
  port: number;
  host: string;
  /** Absent → embedded PGlite persisted under dataDir/pglite. */
  databaseUrl: string | null;
  /** Optional PostgreSQL schema (search_path) — used by tests to isolate runs on a shared server. */
  databaseSchema: string | null;
  dataDir: string;
  /**
   * Embedded database only: PostgreSQL's shared_buffers inside PGlite, in MB (EMBEDDED_DB_BUFFERS_MB, default 16).
   * PGlite's WebAssembly memory never shrinks, so this is resident for the life of the process; PostgreSQL's own
   * default (128 MB) was most of the idle footprint, and the operating system's page cache serves the rest.
   */
  embeddedDbBuffersMb: number;
  /**
   * Answer unchanged consultation list pages from memory while this server hears the list's data version
   * (LIST_PAGE_CACHE, default true; consultations/list-page-cache.ts). false: every page is read from the database.
   */
  listPageCache: boolean;
  /**
   * Resolve a signed-in request's session from memory while this server hears the sign-in data version
   * (SESSION_CACHE, default true; auth/session-cache.ts). false: every request reads its session from the database.
   */
  sessionCache: boolean;
  redisUrl: string | null;
  /**
   * Namespace of every Redis key and pub/sub channel this deployment uses (REDIS_KEY_PREFIX, default
   * 'consult'). Nodes of one deployment share it; deployments (or test runs) sharing a Redis must not.
   */
  redisKeyPrefix: string;
  publicUrl: string;
  /** Serve the built client from this folder when it exists. */
  clientDist: string;
  logLevel: string;
  /** Bearer token that unlocks /metrics from anywhere (METRICS_TOKEN, >= 16 chars); without it, loopback only. */
  metricsToken: string | null;
  /** Sessions idle longer than this are expired. */
  sessionTtlHours: number;
  loginMaxFailures: number;
  loginLockMinutes: number;
  /** Requests per minute per IP on the login route. */
  loginRateLimit: number;
  /** Second factor and password rules (MFA_REQUIRED_ROLES, MFA_REMEMBER_DAYS, PASSWORD_MIN_LENGTH, PASSWORD_HISTORY). */
  security: SecurityConfig;
  seedDemo: boolean;
  /**
   * On the start that seeds the demo network, also seed a small demo caseload (patients, cases, follow-ups and
   * consultation requests in several states) through the services (SEED_DEMO_CASES, default true).
   */
  seedDemoCases: boolean;
  /** Consultation requests: response SLA per urgency, SLA warnings, attachment size. */
  consultations: ConsultationsConfig;
  /** Video ward rounds (mediasoup SFU). */
  sfu: SfuConfig;
  /** Largest single DICOM instance accepted by upload/STOW, in MiB (IMAGING_MAX_INSTANCE_MB). */
  imagingMaxInstanceMb: number;
  /** IANA time zone of the times printed on reports and the year of report numbers (REPORT_TIME_ZONE). */
  reportTimeZone: string;
  /** Per-signer report signing keys and certificates (signers/config.ts). */
  signers: SignerConfig;
  /**
   * Reverse proxies whose X-Forwarded-For is believed (TRUST_PROXY: comma-separated addresses or CIDRs; default
   * none). Only then is the client address (rate limits, lockouts, audit) taken from the header.
   */
  trustProxy: string[];
  /** HMAC key of the audit chain's head checkpoint (AUDIT_CHECKPOINT_KEY); null → DATA_DIR/keys/audit-checkpoint.key. */
  auditCheckpointKey: string | null;
  /**
   * Origins (scheme://host[:port]) whose pages may call DICOMweb, WADO-URI, FHIR and the token endpoint from the
   * browser (CORS_ORIGINS, comma-separated; default none): an OHIF deployed elsewhere, reading with a token.
   */
  corsOrigins: string[];
  /** Lifetime of a service client's bearer token in seconds (OAUTH_TOKEN_TTL_SECONDS, default 900). */
  oauthTokenTtlSeconds: number;
  /** Token requests per minute per client address (OAUTH_TOKEN_RATE_LIMIT, default 60). */
  oauthTokenRateLimit: number;
  /** Trusted time (RFC 3161 TSA) and PDF signing: report-trust-config.ts. */
  reportTrust: ReportTrustConfig;
}

export interface ConsultationsConfig {
  /** Response SLA in hours per urgency (SLA_EMERGENCY_HOURS, SLA_URGENT_HOURS, SLA_ROUTINE_HOURS; decimals allowed). */
  slaHours: { emergency: number; urgent: number; routine: number };
  /** Warn the consultants this many minutes before a request breaches its SLA (SLA_WARN_MINUTES). */
  slaWarnMinutes: number;
  /** How often the SLA watcher runs, in seconds (SLA_CHECK_SECONDS; 0 disables it). */
  slaCheckSeconds: number;
  /** Largest attachment accepted, in bytes (ATTACHMENT_MAX_BYTES). */
  attachmentMaxBytes: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const intVar = (
  env: NodeJS.ProcessEnv,
  name: string,
  dflt: number,
  min: number,
  max: number,
): number => {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return n;
};

const boolVar = (env: NodeJS.ProcessEnv, name: string, dflt: boolean): boolean => {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const v = raw.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
};

const urlVar = (env: NodeJS.ProcessEnv, name: string, protocols: string[]): string | null => {
  const raw = env[name];
  if (!raw) return null;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL: "${raw}"`);
  }
  if (!protocols.includes(u.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}, got "${u.protocol}"`);
  }
  return raw;
};

const timeZoneVar = (env: NodeJS.ProcessEnv, name: string, dflt: string): string => {
  const raw = env[name] || dflt;
  try {
    new Intl.DateTimeFormat('en', { timeZone: raw });
  } catch {
    throw new ConfigError(`${name} must be an IANA time zone such as Asia/Shanghai, got "${raw}"`);
  }
  return raw;
};

export const isIp = (s: string) => net.isIP(s) !== 0;

/** TRUST_PROXY: addresses or CIDRs (a.b.c.d/n, ::1/128) of the reverse proxies in front of the server. */
function trustProxyVar(env: NodeJS.ProcessEnv): string[] {
  const entries = (env.TRUST_PROXY ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  for (const e of entries) {
    const [addr = '', bits, ...rest] = e.split('/');
    const max = net.isIPv4(addr) ? 32 : 128;
    const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
    if (!isIp(addr) || !okBits || rest.length) {
      throw new ConfigError(`TRUST_PROXY entries must be IP addresses or CIDRs (10.0.0.0/8), got "${e}"`);
    }
  }
  return entries;
}

const hoursVar = (env: NodeJS.ProcessEnv, name: string, dflt: number): number => {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 24 * 365)
    throw new ConfigError(`${name} must be a number of hours > 0, got "${raw}"`);
  return n;
};

function loadConsultationsConfig(env: NodeJS.ProcessEnv): ConsultationsConfig {
  const slaHours = {
    emergency: hoursVar(env, 'SLA_EMERGENCY_HOURS', 2),
    urgent: hoursVar(env, 'SLA_URGENT_HOURS', 24),
    routine: hoursVar(env, 'SLA_ROUTINE_HOURS', 72),
  };
  if (!(slaHours.emergency <= slaHours.urgent && slaHours.urgent <= slaHours.routine)) {
    throw new ConfigError(
      'SLA hours must not decrease with urgency: SLA_EMERGENCY_HOURS <= SLA_URGENT_HOURS <= SLA_ROUTINE_HOURS',
    );
  }
  return {
    slaHours,
    slaWarnMinutes: intVar(env, 'SLA_WARN_MINUTES', 60, 1, 24 * 60),
    slaCheckSeconds: intVar(env, 'SLA_CHECK_SECONDS', 60, 0, 24 * 3600),
    attachmentMaxBytes: intVar(env, 'ATTACHMENT_MAX_BYTES', 10 * 1024 * 1024, 1024, 200 * 1024 * 1024),
  };
}

/** CORS_ORIGINS: comma-separated exact origins; each must be scheme://host[:port] with nothing after it. */
function corsOriginsVar(env: NodeJS.ProcessEnv): string[] {
  const raw = env.CORS_ORIGINS?.trim();
  if (!raw) return [];
  return raw.split(',').map((o) => {
    const s = o.trim();
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new ConfigError(`CORS_ORIGINS: "${s}" is not an origin like https://viewer.example.org`);
    }
    if (!['http:', 'https:'].includes(u.protocol) || u.origin !== s)
      throw new ConfigError(
        `CORS_ORIGINS: "${s}" is not an origin like https://viewer.example.org (no path, no trailing slash)`,
      );
    return s;
  });
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = intVar(env, 'PORT', 3000, 0, 65535);
  const host = env.HOST || '127.0.0.1';
  const dataDir = path.resolve(env.DATA_DIR || path.join(process.cwd(), 'data'));
  const schema = env.DATABASE_SCHEMA || null;
  if (schema && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new ConfigError(`DATABASE_SCHEMA must be a lower-case SQL identifier, got "${schema}"`);
  }
  const redisKeyPrefix = env.REDIS_KEY_PREFIX || 'consult';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(redisKeyPrefix)) {
    throw new ConfigError(
      `REDIS_KEY_PREFIX must be 1-64 letters, digits, '_', '.' or '-', got "${redisKeyPrefix}"`,
    );
  }
  const publicUrl = urlVar(env, 'PUBLIC_URL', ['http:', 'https:']) ?? `http://${host}:${port}`;
  const level = env.LOG_LEVEL || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) {
    throw new ConfigError(
      `LOG_LEVEL must be one of fatal,error,warn,info,debug,trace,silent, got "${level}"`,
    );
  }
  const metricsToken = env.METRICS_TOKEN || null;
  if (metricsToken !== null && (metricsToken.length < 16 || /\s/.test(metricsToken))) {
    throw new ConfigError('METRICS_TOKEN must be at least 16 characters without spaces');
  }
  const auditCheckpointKey = env.AUDIT_CHECKPOINT_KEY || null;
  if (auditCheckpointKey && auditCheckpointKey.length < 32) {
    throw new ConfigError('AUDIT_CHECKPOINT_KEY must be at least 32 characters (a random secret)');
  }
  return {
    port,
    host,
    databaseUrl: urlVar(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    databaseSchema: schema,
    dataDir,
    embeddedDbBuffersMb: intVar(env, 'EMBEDDED_DB_BUFFERS_MB', 16, 1, 1024),
    listPageCache: boolVar(env, 'LIST_PAGE_CACHE', true),
    sessionCache: boolVar(env, 'SESSION_CACHE', true),
    redisUrl: urlVar(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisKeyPrefix,
    publicUrl,
    clientDist: path.resolve(env.CLIENT_DIST || path.join(import.meta.dirname, '../../client/dist')),
    logLevel: level,
    metricsToken,
    sessionTtlHours: intVar(env, 'SESSION_TTL_HOURS', 12, 1, 24 * 30),
    loginMaxFailures: intVar(env, 'LOGIN_MAX_FAILURES', 5, 1, 100),
    loginLockMinutes: intVar(env, 'LOGIN_LOCK_MINUTES', 15, 1, 24 * 60),
    loginRateLimit: intVar(env, 'LOGIN_RATE_LIMIT', 20, 1, 10000),
    security: loadSecurityConfig(env),
    seedDemo: env.SEED_DEMO !== 'false',
    seedDemoCases: boolVar(env, 'SEED_DEMO_CASES', true),
    imagingMaxInstanceMb: intVar(env, 'IMAGING_MAX_INSTANCE_MB', 1024, 1, 16384),
    reportTimeZone: timeZoneVar(env, 'REPORT_TIME_ZONE', 'Asia/Shanghai'),
    signers: loadSignerConfig(env),
    consultations: loadConsultationsConfig(env),
    sfu: loadSfuConfig(env),
    trustProxy: trustProxyVar(env),
    auditCheckpointKey,
    corsOrigins: corsOriginsVar(env),
    oauthTokenTtlSeconds: intVar(env, 'OAUTH_TOKEN_TTL_SECONDS', 900, 30, 24 * 3600),
    oauthTokenRateLimit: intVar(env, 'OAUTH_TOKEN_RATE_LIMIT', 60, 1, 100000),
    ...loadOpsConfig(env),
    reportTrust: loadReportTrustConfig(env),
  };
}

/** Cookies get `Secure` when the public URL is HTTPS (i.e. behind TLS). */
export const isSecure = (c: Config) => c.publicUrl.startsWith('https:');
