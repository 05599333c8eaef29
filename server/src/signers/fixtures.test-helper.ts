/** Test helpers for signer keys: a report drafted and ready to sign, signing it, openssl in a temp folder. */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Report } from '@consult/shared';
import type { Session, TestApp } from '../testing/harness';
import { makeConsultation, sampleContent } from '../reports/fixtures.test-helper';

export const PIN = '468-135-790';

/** A consultation assigned to the session's user (pku.cardio) with a saved draft; returns its ids. */
export async function draftReport(t: TestApp, s: Session) {
  const { consultationId, patientId } = await makeConsultation(t.db);
  const r = (
    await t.as(s, { method: 'POST', url: `/api/consultations/${consultationId}/report` })
  ).json() as Report;
  const saved = await t.as(s, {
    method: 'PUT',
    url: `/api/reports/${r.id}/draft`,
    payload: { content: sampleContent(), baseRevision: 0 },
  });
  if (saved.statusCode !== 200) throw new Error(saved.body);
  return { reportId: r.id, consultationId, patientId };
}

export const sign = (t: TestApp, s: Session, reportId: string, payload: Record<string, string>) =>
  t.as(s, { method: 'POST', url: `/api/reports/${reportId}/sign`, payload });

export const amend = async (t: TestApp, s: Session, reportId: string, revision: number) => {
  const a = await t.as(s, {
    method: 'POST',
    url: `/api/reports/${reportId}/amendments`,
    payload: { reason: '补充说明' },
  });
  if (a.statusCode !== 200) throw new Error(a.body);
  const r = await t.as(s, {
    method: 'PUT',
    url: `/api/reports/${reportId}/draft`,
    payload: { content: { ...sampleContent(), findings: '补充：复查心电图' }, baseRevision: revision },
  });
  if (r.statusCode !== 200) throw new Error(r.body);
};

export function tempDir(): { dir: string; file: (n: string) => string; close: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signer-test-'));
  return {
    dir,
    file: (n) => path.join(dir, n),
    close: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** Run openssl; returns stdout (throws with stderr on a non-zero exit). */
export function openssl(args: string[], input?: Buffer | string): string {
  return execFileSync('openssl', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

/** openssl's exit status and combined output (stdout then stderr, where it says "verify OK"), pass or fail. */
export function opensslStatus(args: string[]): { status: number; out: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}
