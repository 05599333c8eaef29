import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Report } from '@consult/shared';
import { makeTestApp, PG_URL } from '../testing/harness';
import { makeConsultation, sampleContent } from './fixtures.test-helper';

const run = promisify(execFile);

describe('reports:verify command and the signing key', () => {
  it(
    'creates the key in the database on first start (no key file), verifies signed reports (exit 0) and names a tampered one (exit 1)',
    { timeout: 120_000 },
    async () => {
      const t = await makeTestApp('postgres');
      try {
        expect(fs.existsSync(path.join(t.config.dataDir, 'keys'))).toBe(false);
        const row = await t.db
          .selectFrom('deployment_keys')
          .select('material')
          .where('name', '=', 'report-signing-ed25519')
          .executeTakeFirstOrThrow();
        expect(row.material).toContain('BEGIN PRIVATE KEY');
        const cardio = await t.login('pku.cardio');
        const { consultationId } = await makeConsultation(t.db);
        const r = (
          await t.as(cardio, { method: 'POST', url: `/api/consultations/${consultationId}/report` })
        ).json() as Report;
        await t.as(cardio, {
          method: 'PUT',
          url: `/api/reports/${r.id}/draft`,
          payload: { content: sampleContent(), baseRevision: 0 },
        });
        expect(
          (
            await t.as(cardio, {
              method: 'POST',
              url: `/api/reports/${r.id}/sign`,
              payload: { password: 'Demo-2026-consult' },
            })
          ).statusCode,
        ).toBe(200);

        const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(t.db)).rows[0]!.s;
        const env = {
          ...process.env,
          DATABASE_URL: PG_URL,
          DATABASE_SCHEMA: schema,
          DATA_DIR: t.config.dataDir,
          LOG_LEVEL: 'silent',
        };
        const cwd = path.resolve(import.meta.dirname, '../../..');
        const cmd = ['--filter', '@consult/server', 'reports:verify'];
        const ok = await run('pnpm', cmd, { env, cwd });
        expect(ok.stdout).toMatch(/reports verified: 1 reports, 1 signed versions/);

        await sql`update report_versions set payload = replace(payload, '急诊PCI', '择期PCI')`.execute(t.db);
        const bad = await run('pnpm', cmd, { env, cwd }).catch((e: { code: number; stderr: string }) => e);
        expect((bad as { code: number }).code).not.toBe(0);
        expect((bad as { stderr: string }).stderr).toContain(
          `FAILED report ${r.id} version 1: signature does not match the stored report`,
        );
      } finally {
        await t.close();
      }
    },
  );
});
