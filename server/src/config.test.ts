import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

describe('configuration from the environment', () => {
  it('has working defaults: embedded database under ./data, port 3000', () => {
    const c = loadConfig({});
    expect(c.databaseUrl).toBeNull();
    expect(c.port).toBe(3000);
    expect(c.dataDir.endsWith('/data')).toBe(true);
    expect(c.redisUrl).toBeNull();
    expect(c.redisKeyPrefix).toBe('consult');
    expect(loadConfig({ REDIS_KEY_PREFIX: 'staging-2' }).redisKeyPrefix).toBe('staging-2');
    expect(c.seedDemoCases).toBe(true);
    expect(loadConfig({ SEED_DEMO_CASES: 'false' }).seedDemoCases).toBe(false);
    expect(c.reportTimeZone).toBe('Asia/Shanghai');
    expect(loadConfig({ REPORT_TIME_ZONE: 'Asia/Urumqi' }).reportTimeZone).toBe('Asia/Urumqi');
  });
  it.each([
    [{ PORT: 'abc' }, /PORT must be an integer between 0 and 65535, got "abc"/],
    [{ PORT: '70000' }, /PORT must be an integer/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must use postgres: or postgresql:/],
    [{ DATABASE_URL: 'not a url' }, /DATABASE_URL is not a valid URL/],
    [{ REDIS_URL: 'http://x' }, /REDIS_URL must use redis: or rediss:/],
    [{ REDIS_KEY_PREFIX: 'a b' }, /REDIS_KEY_PREFIX must be 1-64 letters, digits/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ SEED_DEMO_CASES: 'no' }, /SEED_DEMO_CASES must be true or false, got "no"/],
    [{ DATABASE_SCHEMA: 'Robert"; drop' }, /DATABASE_SCHEMA must be a lower-case SQL identifier/],
    [
      { REPORT_TIME_ZONE: 'Beijing' },
      /REPORT_TIME_ZONE must be an IANA time zone such as Asia\/Shanghai, got "Beijing"/,
    ],
  ])('rejects %o with a clear message', (env, msg) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(msg);
  });
});
