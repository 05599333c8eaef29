import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { createRequest, move, createPatient, PDF_BYTES, JPEG_BYTES } from './testkit';
import { caseAudience, standing } from '../access/policy';
import { checkSla } from './sla';
import { offlineActor } from '../auth/actor';

describe.each(DIALECTS)('consultation workflow (%s)', (dialect) => {
  let t: TestApp;
  let lankao: Session, cardio: Session, nephro: Session, anzhen: Session, linquan: Session;
  beforeAll(async () => {
    t = await makeTestApp(dialect);
    lankao = await t.login('lankao.doctor');
    cardio = await t.login('pku.cardio');
    nephro = await t.login('pku.nephro');
    anzhen = await t.login('anzhen.cardio');
    linquan = await t.login('linquan.doctor');
  }, 180_000);
  afterAll(() => t.close(), 60_000);

  it('runs a request from submission to completion, recording every transition with who and when', async () => {
    const c = await createRequest(t, lankao);
    expect(c.state).toBe('submitted');
    expect(c.slaDueAt).not.toBeNull();
    // 24 h for urgent by default
    expect(Date.parse(c.slaDueAt!) - Date.parse(c.submittedAt!)).toBe(24 * 3600_000);

    // the triage queue of PKU shows it, Anzhen's does not
    const q = await t.as(cardio, { url: '/api/consultations?view=queue' });
    expect(q.json().items.map((i: { id: string }) => i.id)).toContain(c.id);
    expect((await t.as(anzhen, { url: `/api/consultations/${c.id}` })).statusCode).toBe(404);
    expect((await t.as(linquan, { url: `/api/consultations/${c.id}` })).statusCode).toBe(404);

    let r = await move(t, cardio, c.id, { to: 'triaged', assigneeId: cardio.userId });
    expect(r.statusCode).toBe(200);
    r = await move(t, cardio, c.id, { to: 'accepted' });
    expect(r.statusCode).toBe(200);
    expect(r.json().assignee.id).toBe(cardio.userId);
    // once accepted, a colleague no longer sees it
    expect((await t.as(nephro, { url: `/api/consultations/${c.id}` })).statusCode).toBe(404);
    for (const to of ['in_progress', 'report_pending', 'completed']) {
      r = await move(t, cardio, c.id, { to });
      expect(r.statusCode, r.body).toBe(200);
    }
    const d = r.json();
    expect(d.transitions.map((x: { to: string }) => x.to)).toEqual([
      'draft',
      'submitted',
      'triaged',
      'accepted',
      'in_progress',
      'report_pending',
      'completed',
    ]);
    expect(d.transitions[3].actor.id).toBe(cardio.userId);
    expect(d.completedAt).not.toBeNull();
  });

  it('answers an invalid transition with 409 naming the current and attempted state', async () => {
    const c = await createRequest(t, lankao);
    const r = await move(t, cardio, c.id, { to: 'completed' });
    expect(r.statusCode).toBe(409);
    expect(r.json().message).toMatch(/submitted.*completed/);
  });

  it('returns a request for information; the county edits and resubmits with a fresh SLA clock', async () => {
    const c = await createRequest(t, lankao, { urgency: 'routine' });
    const noReason = await move(t, cardio, c.id, { to: 'returned_for_information' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().field).toBe('/body/reason');
    expect(
      (await move(t, cardio, c.id, { to: 'returned_for_information', reason: '请补充心脏超声报告' }))
        .statusCode,
    ).toBe(200);
    const edit = await t.as(lankao, {
      method: 'PATCH',
      url: `/api/consultations/${c.id}`,
      payload: { historySummary: 'Echo: EF 35%, LVEDD 62 mm' },
    });
    expect(edit.statusCode).toBe(200);
    const again = await move(t, lankao, c.id, { to: 'submitted' });
    expect(again.statusCode).toBe(200);
    expect(again.json().returnReason).toBeNull();
    expect(Date.parse(again.json().submittedAt)).toBeGreaterThanOrEqual(Date.parse(c.submittedAt!));
    // edits only while draft / returned
    const late = await t.as(lankao, {
      method: 'PATCH',
      url: `/api/consultations/${c.id}`,
      payload: { urgency: 'urgent' },
    });
    expect(late.statusCode).toBe(409);
  });

  it('rejects a target hospital not paired with the requester (400 naming the field, nothing written)', async () => {
    const p = await createPatient(t, lankao);
    const before = await t.db
      .selectFrom('consultations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const anzhenId = (
      await t.db
        .selectFrom('hospitals')
        .select('id')
        .where('name_en', 'like', 'Beijing Anzhen%')
        .executeTakeFirstOrThrow()
    ).id;
    const res = await t.as(lankao, {
      method: 'POST',
      url: '/api/consultations',
      payload: {
        patientId: p.id,
        caseId: p.id,
        type: 'remote_consultation',
        urgency: 'routine',
        clinicalQuestion: 'q',
        targetHospitalId: anzhenId,
      },
    });
    expect(res.statusCode).toBe(400);
    const after = await t.db
      .selectFrom('consultations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('keeps a thread visible to both hospitals, with PDF/JPEG attachments checked by magic bytes', async () => {
    const c = await createRequest(t, lankao);
    const up = await t.as(lankao, {
      method: 'POST',
      url: `/api/consultations/${c.id}/attachments?fileName=echo.pdf`,
      headers: { 'content-type': 'application/pdf' },
      payload: PDF_BYTES,
    });
    expect(up.statusCode, up.body).toBe(201);
    const fake = await t.as(lankao, {
      method: 'POST',
      url: `/api/consultations/${c.id}/attachments?fileName=x.jpg`,
      headers: { 'content-type': 'image/jpeg' },
      payload: Buffer.from('MZ not an image at all'),
    });
    expect(fake.statusCode).toBe(415);
    const lie = await t.as(lankao, {
      method: 'POST',
      url: `/api/consultations/${c.id}/attachments?fileName=x.pdf`,
      headers: { 'content-type': 'application/pdf' },
      payload: JPEG_BYTES,
    });
    expect(lie.statusCode).toBe(415);
    const big = await t.as(lankao, {
      method: 'POST',
      url: `/api/consultations/${c.id}/attachments?fileName=big.pdf`,
      headers: { 'content-type': 'application/pdf' },
      payload: Buffer.concat([PDF_BYTES, Buffer.alloc(t.config.consultations.attachmentMaxBytes)]),
    });
    expect(big.statusCode).toBe(413);

    const m = await t.as(lankao, {
      method: 'POST',
      url: `/api/consultations/${c.id}/messages`,
      payload: { body: '附心脏超声报告', attachmentIds: [up.json().id] },
    });
    expect(m.statusCode, m.body).toBe(201);
    const reply = await t.as(cardio, {
      method: 'POST',
      url: `/api/consultations/${c.id}/messages`,
      payload: { body: '已阅，建议加用螺内酯' },
    });
    expect(reply.statusCode).toBe(201);
    const thread = (await t.as(lankao, { url: `/api/consultations/${c.id}/messages` })).json();
    expect(thread.map((x: { body: string }) => x.body)).toEqual(['附心脏超声报告', '已阅，建议加用螺内酯']);
    expect(thread[0].attachments[0].fileName).toBe('echo.pdf');
    const dl = await t.as(cardio, { url: `/api/consultations/${c.id}/attachments/${up.json().id}` });
    expect(dl.statusCode).toBe(200);
    expect(dl.headers['content-type']).toBe('application/pdf');
    expect(dl.rawPayload.equals(PDF_BYTES)).toBe(true);
    expect((await t.as(anzhen, { url: `/api/consultations/${c.id}/messages` })).statusCode).toBe(404);
    expect(
      (await t.as(anzhen, { url: `/api/consultations/${c.id}/attachments/${up.json().id}` })).statusCode,
    ).toBe(404);
  });

  it('links imaging studies; the policy lets the triage queue, not another tertiary hospital, reach the case', async () => {
    const c = await createRequest(t, lankao);
    const uid = '1.2.840.113619.2.55.3.1234';
    const imagingInstalled = !!(
      await sql<{ t: string | null }>`select to_regclass('imaging_studies')::text as t`.execute(t.db)
    ).rows[0]?.t;
    const link = await t.as(lankao, {
      method: 'POST',
      url: `/api/consultations/${c.id}/studies`,
      payload: { studyInstanceUid: uid },
    });
    if (imagingInstalled) {
      // imaging knows no such study at either hospital: refused, naming the field; link it as imaging would
      expect(link.statusCode).toBe(400);
      expect(link.json().field).toBe('/body/studyInstanceUid');
      await t.db
        .insertInto('consultation_studies')
        .values({ consultation_id: c.id, study_instance_uid: uid, linked_by: lankao.userId })
        .execute();
    } else {
      expect(link.statusCode, link.body).toBe(201);
      expect(
        (
          await t.as(lankao, {
            method: 'POST',
            url: `/api/consultations/${c.id}/studies`,
            payload: { studyInstanceUid: uid },
          })
        ).statusCode,
      ).toBe(409);
    }
    const bad = await t.as(lankao, {
      method: 'POST',
      url: `/api/consultations/${c.id}/studies`,
      payload: { studyInstanceUid: 'not-a-uid' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('/body/studyInstanceUid');
    const cardioA = await offlineActor(t.db, { id: cardio.userId });
    const anzhenA = await offlineActor(t.db, { id: anzhen.userId });
    expect((await standing(t.db, cardioA, c.id))?.relations).toEqual(['triage']);
    expect((await standing(t.db, anzhenA, c.id))?.relations).toEqual([]);
    expect(await caseAudience(t.db, c.id)).toContain(cardio.userId);
    expect(await caseAudience(t.db, c.id)).not.toContain(anzhen.userId);
    expect(
      (await t.as(lankao, { method: 'DELETE', url: `/api/consultations/${c.id}/studies/${uid}` })).statusCode,
    ).toBe(200);
    expect((await t.as(anzhen, { url: `/api/patients/${c.patient.id}` })).statusCode).toBe(404);
  });

  it('shows the patient file read-only to the consultant and masks the national ID', async () => {
    const c = await createRequest(t, lankao);
    const own = (await t.as(lankao, { url: `/api/patients/${c.patient.id}` })).json();
    expect(own.nationalId).toMatch(/^\d{17}[\dX]$/);
    expect(own.editable).toBe(true);
    const theirs = await t.as(cardio, { url: `/api/patients/${c.patient.id}` });
    expect(theirs.statusCode).toBe(200);
    expect(theirs.json().nationalId).toMatch(/^\d{3}\*+\d{3}[\dX]$/);
    expect(theirs.json().editable).toBe(false);
    expect(theirs.json().cases[0].icd10).toBe('I50.9');
    expect((await t.as(anzhen, { url: `/api/patients/${c.patient.id}` })).statusCode).toBe(404);
  });

  it('warns the target hospital once when a request is about to breach its SLA', async () => {
    const c = await createRequest(t, lankao, { urgency: 'emergency' });
    const ctx = { db: t.db, io: t.app.io, config: t.config };
    // 2 h emergency SLA, warn 60 min ahead: at submission + 61 min it is due within the hour
    const at = new Date(Date.parse(c.submittedAt!) + 61 * 60_000);
    expect(await checkSla(ctx, at)).toBeGreaterThanOrEqual(1);
    expect(await checkSla(ctx, at)).toBe(0);
    const inbox = (await t.as(nephro, { url: '/api/notifications' })).json();
    expect(
      inbox.items.some(
        (n: { kind: string; entityId: string }) =>
          n.kind === 'consultation.sla_warning' && n.entityId === c.id,
      ),
    ).toBe(true);
  });
});
