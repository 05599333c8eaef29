import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report, ReportVerifyResult } from '@consult/shared';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { makeConsultation, sampleContent } from './fixtures.test-helper';

describe.each(DIALECTS)('reports (%s)', (dialect) => {
  let t: TestApp;
  let cardio: Session;
  let county: Session;
  let nephro: Session;
  let otherCounty: Session;
  let anzhen: Session;
  let consultationId: string;
  let caseId: string;
  let reportId: string;

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    [cardio, county, nephro, otherCounty, anzhen] = (await Promise.all(
      ['pku.cardio', 'lankao.doctor', 'pku.nephro', 'linquan.doctor', 'anzhen.cardio'].map((u) => t.login(u)),
    )) as [Session, Session, Session, Session, Session];
    ({ consultationId, caseId } = await makeConsultation(t.db));
  });
  afterAll(async () => t?.close());

  const open = () => t.as(cardio, { method: 'POST', url: `/api/consultations/${consultationId}/report` });
  const save = (s: Session, baseRevision: number, content = sampleContent()) =>
    t.as(s, { method: 'PUT', url: `/api/reports/${reportId}/draft`, payload: { content, baseRevision } });

  it('the assigned specialist opens a draft; a colleague off the care team does not even see the case', async () => {
    expect(
      (await t.as(nephro, { method: 'POST', url: `/api/consultations/${consultationId}/report` })).statusCode,
    ).toBe(404);
    const res = await open();
    expect(res.statusCode).toBe(200);
    const r = res.json() as Report;
    reportId = r.id;
    expect(r.status).toBe('draft');
    expect(r.draft?.revision).toBe(0);
    // Opening again returns the same report.
    expect(((await open()).json() as Report).id).toBe(reportId);
  });

  it('drafts stay with the consulting side; other hospitals get 404', async () => {
    expect((await t.as(county, { method: 'GET', url: `/api/reports/${reportId}` })).statusCode).toBe(404);
    expect((await t.as(anzhen, { method: 'GET', url: `/api/reports/${reportId}` })).statusCode).toBe(404);
    expect(
      (await t.as(otherCounty, { method: 'GET', url: `/api/consultations/${consultationId}/report` }))
        .statusCode,
    ).toBe(404);
  });

  it('autosave: a second editor on a stale revision gets 409 with a clear message', async () => {
    const first = await save(cardio, 0);
    expect(first.statusCode).toBe(200);
    const saved = first.json() as Report;
    expect(saved.draft?.revision).toBe(1);
    // Titles come from the shipped ICD-10 list.
    expect(saved.draft?.content.diagnoses[0]).toMatchObject({
      code: 'I21.0',
      titleZh: '前壁急性透壁性心肌梗死',
    });
    const stale = await save(cardio, 0, { ...sampleContent(), findings: 'older tab' });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().message).toMatch(
      /changed by 陈教授 Prof\. Chen .*revision 1, you edited revision 0.*reload/,
    );
    const bad = await save(cardio, 1, {
      ...sampleContent(),
      diagnoses: [{ code: 'Z99.9', titleZh: 'x', titleEn: 'x', primary: true }],
    });
    expect(bad.statusCode).toBe(400);
  });

  it('sign needs the author password; then the report is immutable and the county doctor is notified', async () => {
    const wrong = await t.as(cardio, {
      method: 'POST',
      url: `/api/reports/${reportId}/sign`,
      payload: { password: 'nope-nope' },
    });
    expect(wrong.statusCode).toBe(400);
    const res = await t.as(cardio, {
      method: 'POST',
      url: `/api/reports/${reportId}/sign`,
      payload: { password: 'Demo-2026-consult' },
    });
    expect(res.statusCode).toBe(200);
    const r = res.json() as Report;
    expect(r).toMatchObject({ status: 'signed', currentVersion: 1, draft: null });
    expect(r.versions[0]!.content.impression).toContain('急性前壁心肌梗死');
    const c = await t.db
      .selectFrom('consultations')
      .select('state')
      .where('id', '=', consultationId)
      .executeTakeFirstOrThrow();
    expect(c.state).toBe('report_pending');
    const edit = await save(cardio, 1);
    expect(edit.statusCode).toBe(409);
    expect(edit.json().message).toMatch(/signed and cannot be edited/);
    const again = await t.as(cardio, {
      method: 'POST',
      url: `/api/reports/${reportId}/sign`,
      payload: { password: 'Demo-2026-consult' },
    });
    expect(again.statusCode).toBe(409);
    const inbox = await t.as(county, { method: 'GET', url: '/api/notifications' });
    expect(JSON.stringify(inbox.json())).toContain('report.ready');
    const seen = await t.as(county, { method: 'GET', url: `/api/consultations/${consultationId}/report` });
    expect(seen.statusCode).toBe(200);
    expect((seen.json() as Report).draft).toBeNull();
  });

  it('lists the reports to act on: the county sees signed ones to acknowledge, the consultant their own', async () => {
    const mine = (await t.as(county, { method: 'GET', url: '/api/reports' })).json() as {
      id: string;
      status: string;
      primaryDiagnosis: string;
      patientName: string;
    }[];
    expect(mine).toEqual([
      expect.objectContaining({ id: reportId, status: 'signed', patientName: '测试患者 王某' }),
    ]);
    expect(mine[0]!.primaryDiagnosis).toContain('I21.0 前壁急性透壁性心肌梗死');
    expect(
      ((await t.as(cardio, { method: 'GET', url: '/api/reports' })).json() as { id: string }[]).map(
        (r) => r.id,
      ),
    ).toEqual([reportId]);
    expect((await t.as(nephro, { method: 'GET', url: '/api/reports' })).json()).toEqual([]);
    expect((await t.as(otherCounty, { method: 'GET', url: '/api/reports' })).json()).toEqual([]);
  });

  it('amend → version 2 with the reason, differences listed, both versions verify', async () => {
    const noReason = await t.as(cardio, {
      method: 'POST',
      url: `/api/reports/${reportId}/amendments`,
      payload: { reason: '' },
    });
    expect(noReason.statusCode).toBe(400);
    const am = await t.as(cardio, {
      method: 'POST',
      url: `/api/reports/${reportId}/amendments`,
      payload: { reason: '补充肌钙蛋白数值' },
    });
    expect(am.statusCode).toBe(200);
    const draft = (am.json() as Report).draft!;
    expect(draft.amendmentReason).toBe('补充肌钙蛋白数值');
    const changed = { ...draft.content, findings: `${draft.content.findings} 肌钙蛋白 I 2.3 ng/mL。` };
    expect((await save(cardio, draft.revision, changed)).statusCode).toBe(200);
    const signed = await t.as(cardio, {
      method: 'POST',
      url: `/api/reports/${reportId}/sign`,
      payload: { password: 'Demo-2026-consult' },
    });
    const r = signed.json() as Report;
    expect(r.currentVersion).toBe(2);
    expect(r.versions.map((v) => v.amendmentReason)).toEqual([null, '补充肌钙蛋白数值']);
    expect(r.versions[0]!.content.findings).not.toContain('2.3 ng/mL');
    const diff = await t.as(county, { method: 'GET', url: `/api/reports/${reportId}/diff?from=1&to=2` });
    expect(diff.json()).toMatchObject({
      amendmentReason: '补充肌钙蛋白数值',
      changes: [{ path: 'findings' }],
    });
    const v = (
      await t.as(county, { method: 'GET', url: `/api/reports/${reportId}/verify` })
    ).json() as ReportVerifyResult;
    expect(v.ok).toBe(true);
    expect(v.versions.map((x) => x.ok)).toEqual([true, true]);
    const pk = await t.as(null, { method: 'GET', url: '/api/reports/public-key' });
    expect(pk.json()).toMatchObject({ algorithm: 'Ed25519', fingerprint: v.keyFingerprint });
  });

  it('only the requesting side acknowledges; acknowledgement completes the consultation and writes the case plan', async () => {
    expect(
      (await t.as(cardio, { method: 'POST', url: `/api/reports/${reportId}/acknowledge` })).statusCode,
    ).toBe(403);
    expect(
      (await t.as(otherCounty, { method: 'POST', url: `/api/reports/${reportId}/acknowledge` })).statusCode,
    ).toBe(404);
    const res = await t.as(county, { method: 'POST', url: `/api/reports/${reportId}/acknowledge` });
    expect(res.statusCode).toBe(200);
    const r = res.json() as Report;
    expect(r.status).toBe('acknowledged');
    const due = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    expect(r.nextFollowUpDate).toBe(due);
    const c = await t.db
      .selectFrom('consultations')
      .select(['state', 'completed_at'])
      .where('id', '=', consultationId)
      .executeTakeFirstOrThrow();
    expect(c.state).toBe('completed');
    const kase = await t.db
      .selectFrom('patient_cases')
      .select('treatment_plan')
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow();
    expect(kase.treatment_plan).toContain('急诊PCI');
    const fu = await t.db.selectFrom('case_follow_ups').selectAll().where('case_id', '=', caseId).execute();
    expect(fu).toHaveLength(1);
    const nd: unknown = fu[0]!.next_due_date;
    expect(nd instanceof Date ? nd.toISOString().slice(0, 10) : nd).toBe(due);
    const log = await t.db
      .selectFrom('consultation_transitions')
      .select(['to_state', 'actor_role'])
      .where('consultation_id', '=', consultationId)
      .orderBy('at')
      .execute();
    expect(log.map((x) => `${x.to_state}/${x.actor_role}`)).toEqual([
      'report_pending/specialist',
      'completed/county_doctor',
    ]);
    expect(
      (await t.as(county, { method: 'POST', url: `/api/reports/${reportId}/acknowledge` })).statusCode,
    ).toBe(409);
  });

  it('an amendment after acknowledgement is signed as version 3, acknowledged again and updates the plan', async () => {
    const am = await t.as(cardio, {
      method: 'POST',
      url: `/api/reports/${reportId}/amendments`,
      payload: { reason: '随访间隔调整为14天' },
    });
    expect(am.statusCode).toBe(200);
    const d = (am.json() as Report).draft!;
    const content = {
      ...d.content,
      recommendations: { ...d.content.recommendations, followUpIntervalDays: 14 },
    };
    expect((await save(cardio, d.revision, content)).statusCode).toBe(200);
    const signed = await t.as(cardio, {
      method: 'POST',
      url: `/api/reports/${reportId}/sign`,
      payload: { password: 'Demo-2026-consult' },
    });
    expect(signed.statusCode).toBe(200);
    expect(signed.json()).toMatchObject({ status: 'signed', currentVersion: 3 });
    const ack = await t.as(county, { method: 'POST', url: `/api/reports/${reportId}/acknowledge` });
    expect(ack.statusCode).toBe(200);
    expect((ack.json() as Report).nextFollowUpDate).toBe(
      new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10),
    );
    const c = await t.db
      .selectFrom('consultations')
      .select('state')
      .where('id', '=', consultationId)
      .executeTakeFirstOrThrow();
    expect(c.state).toBe('completed');
    expect(
      await t.db.selectFrom('case_follow_ups').select('id').where('case_id', '=', caseId).execute(),
    ).toHaveLength(2);
    const v = (
      await t.as(county, { method: 'GET', url: `/api/reports/${reportId}/verify` })
    ).json() as ReportVerifyResult;
    expect(v.versions.map((x) => x.ok)).toEqual([true, true, true]);
  });

  it('a row altered in the database fails verification', async () => {
    const row = await t.db
      .selectFrom('report_versions')
      .selectAll()
      .where('report_id', '=', reportId)
      .where('version', '=', 1)
      .executeTakeFirstOrThrow();
    await t.db
      .updateTable('report_versions')
      .set({ payload: row.payload.replace('急性前壁心肌梗死', '稳定型心绞痛') })
      .where('report_id', '=', reportId)
      .where('version', '=', 1)
      .execute();
    const v = (
      await t.as(county, { method: 'GET', url: `/api/reports/${reportId}/verify` })
    ).json() as ReportVerifyResult;
    expect(v.ok).toBe(false);
    expect(v.versions[0]).toMatchObject({
      version: 1,
      ok: false,
      reason: 'signature does not match the stored report',
    });
  });

  it('program admins never see reports; the ICD-10 search finds codes by prefix and by Chinese title', async () => {
    const admin = await t.login('program');
    expect((await t.as(admin, { method: 'GET', url: `/api/reports/${reportId}` })).statusCode).toBe(403);
    const byCode = (await t.as(county, { method: 'GET', url: '/api/reports/icd10?q=I21' })).json() as {
      code: string;
    }[];
    expect(byCode.map((c) => c.code)).toEqual(['I21.0', 'I21.1', 'I21.4', 'I21.9']);
    const byTitle = (
      await t.as(county, { method: 'GET', url: `/api/reports/icd10?q=${encodeURIComponent('心肌梗死')}` })
    ).json() as { code: string }[];
    expect(byTitle.map((c) => c.code)).toContain('I21.9');
  });
});
