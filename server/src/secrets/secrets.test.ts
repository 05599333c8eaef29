import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../testing/harness';
import { deploymentKey } from './deployment-keys';
import { isSealed, SecretsError, sealer } from './seal';

const KEY = 'k'.repeat(40);

describe('sealing secrets at rest', () => {
  it('opens what it sealed, only at the same place and with the same key; plain values pass through', () => {
    const s = sealer(KEY);
    const sealed = s.seal('JBSWY3DPEHPK3PXP', 'totp:u1');
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(s.open(sealed, 'totp:u1')).toBe('JBSWY3DPEHPK3PXP');
    expect(() => s.open(sealed, 'totp:u2')).toThrow(SecretsError);
    expect(() => sealer('x'.repeat(40)).open(sealed, 'totp:u1')).toThrow(/SECRETS_KEY does not open totp:u1/);
    expect(() => sealer(null).open(sealed, 'totp:u1')).toThrow(/set SECRETS_KEY/);
    expect(s.open('plain', 'totp:u1')).toBe('plain');
    expect(sealer(null).seal('plain', 'x')).toBe('plain');
  });
});

describe('deployment keys in the database', () => {
  let t: TestDb;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'consult-keys-'));
  beforeAll(async () => {
    t = await openTestDb('postgres');
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('nodes starting together all end with the one key that was inserted first, sealed', async () => {
    const src = { dataDir, secretsKey: KEY };
    const got = await Promise.all(
      Array.from({ length: 8 }, () =>
        deploymentKey(t.dbh.db, src, { name: 'race', legacyFile: 'none', create: () => crypto.randomUUID() }),
      ),
    );
    expect(new Set(got).size).toBe(1);
    const row = await t.dbh.db
      .selectFrom('deployment_keys')
      .selectAll()
      .where('name', '=', 'race')
      .executeTakeFirstOrThrow();
    expect(isSealed(row.material)).toBe(true);
    await expect(
      deploymentKey(t.dbh.db, { dataDir, secretsKey: null }, { name: 'race', legacyFile: 'none' }),
    ).rejects.toThrow(/set SECRETS_KEY/);
  });

  it('imports an older release key file once, and seals a plain row when SECRETS_KEY is set later', async () => {
    fs.mkdirSync(path.join(dataDir, 'keys'));
    fs.writeFileSync(path.join(dataDir, 'keys', 'old.key'), 'legacy-material');
    const spec = { name: 'legacy', legacyFile: 'old.key', create: () => 'new-material' };
    expect(await deploymentKey(t.dbh.db, { dataDir, secretsKey: null }, spec)).toBe('legacy-material');
    const plain = await t.dbh.db
      .selectFrom('deployment_keys')
      .select('material')
      .where('name', '=', 'legacy')
      .executeTakeFirstOrThrow();
    expect(plain.material).toBe('legacy-material');
    expect(await deploymentKey(t.dbh.db, { dataDir: os.tmpdir(), secretsKey: KEY }, spec)).toBe(
      'legacy-material',
    );
    const sealed = await t.dbh.db
      .selectFrom('deployment_keys')
      .select('material')
      .where('name', '=', 'legacy')
      .executeTakeFirstOrThrow();
    expect(isSealed(sealed.material)).toBe(true);
    expect(
      await deploymentKey(t.dbh.db, { dataDir, secretsKey: null }, { name: 'absent', legacyFile: 'no.key' }),
    ).toBeNull();
  });
});
