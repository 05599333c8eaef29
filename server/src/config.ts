import path from 'node:path';

/** Runtime configuration, read from the environment once at start and validated with clear messages. */
export interface Config {
  port: number;
  host: string;
  /** Absent → embedded PGlite persisted under dataDir/pglite. */
  databaseUrl: string | null;
  /** Optional PostgreSQL schema (search_path) — used by tests to isolate runs on a shared server. */
  databaseSchema: string | null;
  dataDir: string;
  redisUrl: string | null;
  publicUrl: string;
  /** Serve the built client from this folder when it exists. */
  clientDist: string;
  logLevel: string;
  /** Sessions idle longer than this are expired. */
  sessionTtlHours: number;
  loginMaxFailures: number;
  loginLockMinutes: number;
  /** Requests per minute per IP on the login route. */
  loginRateLimit: number;
  seedDemo: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const intVar = (env: NodeJS.ProcessEnv, name: string, dflt: number, min: number, max: number): number => {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return n;
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

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = intVar(env, 'PORT', 3000, 0, 65535);
  const host = env.HOST || '127.0.0.1';
  const dataDir = path.resolve(env.DATA_DIR || path.join(process.cwd(), 'data'));
  const schema = env.DATABASE_SCHEMA || null;
  if (schema && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new ConfigError(`DATABASE_SCHEMA must be a lower-case SQL identifier, got "${schema}"`);
  }
  const publicUrl = urlVar(env, 'PUBLIC_URL', ['http:', 'https:']) ?? `http://${host}:${port}`;
  const level = env.LOG_LEVEL || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) {
    throw new ConfigError(`LOG_LEVEL must be one of fatal,error,warn,info,debug,trace,silent, got "${level}"`);
  }
  return {
    port,
    host,
    databaseUrl: urlVar(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    databaseSchema: schema,
    dataDir,
    redisUrl: urlVar(env, 'REDIS_URL', ['redis:', 'rediss:']),
    publicUrl,
    clientDist: path.resolve(env.CLIENT_DIST || path.join(import.meta.dirname, '../../client/dist')),
    logLevel: level,
    sessionTtlHours: intVar(env, 'SESSION_TTL_HOURS', 12, 1, 24 * 30),
    loginMaxFailures: intVar(env, 'LOGIN_MAX_FAILURES', 5, 1, 100),
    loginLockMinutes: intVar(env, 'LOGIN_LOCK_MINUTES', 15, 1, 24 * 60),
    loginRateLimit: intVar(env, 'LOGIN_RATE_LIMIT', 20, 1, 10000),
    seedDemo: env.SEED_DEMO !== 'false',
  };
}

/** Cookies get `Secure` when the public URL is HTTPS (i.e. behind TLS). */
export const isSecure = (c: Config) => c.publicUrl.startsWith('https:');
