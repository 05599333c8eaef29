/**
 * Reports + dashboard benchmark (`pnpm bench reports`), in process, three figures each against a baseline measured
 * in the same run:
 *  1. signing: canonical JSON + Ed25519 sign + verify of a full report  vs  JSON.stringify + SHA-256 of it;
 *  2. PDF: a report with the embedded CJK font (subset)                  vs  the same text in built-in Helvetica;
 *  3. dashboard: the full program dashboard (grouping sets, percentiles, rounds) over a year for 20 county
 *     hospitals × BENCH_SCALE consultations per county-month (default 25 → 6,000 requests) on PostgreSQL
 *                                                                        vs  `select count(*) from consultations`.
 * PostgreSQL: TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), fresh schema dropped at the end.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { createRequire } from 'node:module';
import { canonicalJson, toKey, signCanonical, verifyCanonical } from '../../server/src/reports/signing';
import { renderReportPdf } from '../../server/src/reports/pdf';
import type { ReportDocument } from '../../server/src/reports/document';
import { openDatabase, migrateToLatest } from '../../server/src/db/connect';
import { seedDemo } from '../../server/src/seed/demo';
import { getDashboard } from '../../server/src/dashboard/service';
import type { Actor } from '../../server/src/auth/actor';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCALE = Number(process.env.BENCH_SCALE ?? 25);
const req = createRequire(path.resolve(import.meta.dirname, '../../server/package.json'));
const { default: pg } = (await import(req.resolve('pg'))) as {
  default: typeof import('../../server/node_modules/@types/pg');
};

async function timeIt(label: string, n: number, fn: () => unknown | Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(5, n); i++) await fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6 / n;
  console.log(`  ${label.padEnd(58)} ${ms.toFixed(3).padStart(10)} ms/op`);
  return ms;
}
const ratio = (ours: number, base: number, what: string) =>
  console.log(`  → ${what}: ${(ours / base).toFixed(1)}× the baseline's time\n`);

const payload = {
  type: 'consult.remote-diagnosis-report/1',
  reportId: crypto.randomUUID(),
  consultationId: crypto.randomUUID(),
  version: 1,
  signedAt: new Date().toISOString(),
  signer: {
    id: crypto.randomUUID(),
    name: '陈教授 Prof. Chen',
    role: 'specialist',
    hospitalId: crypto.randomUUID(),
  },
  amendmentReason: null,
  previous: null,
  content: {
    findings: '心电图示 V1–V4 导联 ST 段抬高，肌钙蛋白升高。'.repeat(20),
    impression: '急性前壁心肌梗死，建议尽快再灌注治疗。'.repeat(5),
    diagnoses: [
      {
        code: 'I21.0',
        titleZh: '前壁急性透壁性心肌梗死',
        titleEn: 'Acute transmural myocardial infarction of anterior wall',
        primary: true,
      },
    ],
    recommendations: {
      treatmentPlan: '阿司匹林 300mg 嚼服；尽快转诊行急诊 PCI。'.repeat(5),
      referral: true,
      referralNote: '北京大学第一医院',
      followUpIntervalDays: 30,
    },
    keyImages: [],
  },
} as const;

async function signing() {
  console.log('1. signing a report');
  const key = toKey(crypto.generateKeyPairSync('ed25519').privateKey);
  const base = await timeIt('baseline: JSON.stringify + sha256', 20000, () =>
    crypto.createHash('sha256').update(JSON.stringify(payload)).digest('hex'),
  );
  const ours = await timeIt('canonical JSON + Ed25519 sign + verify', 5000, () => {
    const c = canonicalJson(payload);
    if (!verifyCanonical(key.publicKey, c, signCanonical(key, c))) throw new Error('verify failed');
  });
  ratio(ours, base, 'sign+verify');
}

async function pdf() {
  console.log('2. rendering the PDF');
  const h = {
    id: crypto.randomUUID(),
    nameZh: '北京大学第一医院',
    nameEn: 'Peking University First Hospital',
    region: '北京市 Beijing',
  };
  const doc: ReportDocument = {
    reportId: payload.reportId,
    status: 'signed',
    acknowledgedAt: null,
    payload: payload as never,
    signature: 'x'.repeat(88),
    keyFingerprint: 'ab'.repeat(32),
    consultation: {
      id: payload.consultationId,
      type: 'remote_consultation',
      urgency: 'urgent',
      clinicalQuestion: '胸痛三小时，是否需要转诊？',
      historySummary: '高血压十年。',
      submittedAt: null,
      requesterId: crypto.randomUUID(),
      requesterName: '张伟',
    },
    patient: {
      id: crypto.randomUUID(),
      name: '王某',
      sex: 'male',
      birthDate: '1961-04-12',
      povertyRegistered: true,
    },
    requesting: {
      ...h,
      id: crypto.randomUUID(),
      nameZh: '兰考县人民医院',
      nameEn: "Lankao County People's Hospital",
    },
    consulting: h,
    signerHospital: h,
    studies: [],
  };
  const { default: PDFDocument } = (await import(req.resolve('pdfkit'))) as {
    default: typeof import('pdfkit');
  };
  const text = JSON.stringify(payload.content).replace(/[^\x20-\x7e]/g, 'x');
  const base = await timeIt(
    'baseline: same length of text in Helvetica (pdfkit)',
    20,
    () =>
      new Promise<void>((resolve) => {
        const p = new PDFDocument({ size: 'A4', margin: 50 });
        p.on('data', () => undefined);
        p.on('end', () => resolve());
        p.font('Helvetica').fontSize(10.5).text(text);
        p.end();
      }),
  );
  const ours = await timeIt('report PDF with embedded Noto Sans CJK subset', 20, () =>
    renderReportPdf(doc, 'zh-CN'),
  );
  ratio(ours, base, 'PDF');
}

async function dashboard() {
  console.log(`3. program dashboard over a year, 20 county hospitals × ${SCALE} requests per month`);
  const schema = `bench_${crypto.randomBytes(4).toString('hex')}`;
  const dbh = await openDatabase({ databaseUrl: PG_URL, schema, dataDir: null });
  try {
    await migrateToLatest(dbh.db);
    await seedDemo(dbh.db);
    const db = dbh.db;
    const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path="${schema}",public` });
    await client.connect();
    const q = (text: string, params: unknown[] = []) => client.query(text, params);
    const pku = (
      await db
        .selectFrom('hospitals')
        .select('id')
        .where('name_en', 'like', 'Peking%')
        .executeTakeFirstOrThrow()
    ).id;
    const host = (
      await db.selectFrom('users').select('id').where('username', '=', 'pku.cardio').executeTakeFirstOrThrow()
    ).id;
    await q(
      `
      insert into hospitals (id, name_zh, name_en, tier, region)
        select md5('h' || i)::uuid, '基准县' || i || '人民医院', 'Bench County ' || i, 'county', 'Bench' from generate_series(1, 20) i;
      `,
      [],
    );
    await q(
      `insert into pairings (id, tertiary_hospital_id, county_hospital_id, program_name, since)
        select md5('p' || i)::uuid, $1::uuid, md5('h' || i)::uuid, case when i <= 12 then 'Bench A' else 'Bench B' end, '2020-01-01' from generate_series(1, 20) i`,
      [pku],
    );
    await q(
      `insert into users (id, username, display_name, role, hospital_id, password_hash)
        select md5('u' || i)::uuid, 'bench' || i, 'D' || i, 'county_doctor', md5('h' || i)::uuid, 'x' from generate_series(1, 20) i`,
      [],
    );
    await q(
      `insert into patients (id, hospital_id, name, sex, birth_date, created_by, poverty_registered)
        select md5('pt' || i || '-' || j)::uuid, md5('h' || i)::uuid, 'P', 'female', '1960-01-01', md5('u' || i)::uuid, j % 3 = 0
        from generate_series(1, 20) i, generate_series(1, 50) j`,
      [],
    );
    await q(
      `insert into patient_cases (id, patient_id, diagnosis, icd10, status, created_by)
        select md5('c' || i || '-' || j)::uuid, md5('pt' || i || '-' || j)::uuid, 'x', 'I10', 'chronic', md5('u' || i)::uuid
        from generate_series(1, 20) i, generate_series(1, 50) j`,
      [],
    );
    await q(
      `insert into consultations (id, patient_id, case_id, requesting_hospital_id, requester_id, target_hospital_id, type, urgency, state,
          clinical_question, assigned_to, submitted_at, sla_due_at, responded_at)
        select md5('k' || i || '-' || m || '-' || j)::uuid, md5('pt' || i || '-' || (j % 50 + 1))::uuid, md5('c' || i || '-' || (j % 50 + 1))::uuid,
          md5('h' || i)::uuid, md5('u' || i)::uuid, $1::uuid,
          case when j % 2 = 0 then 'remote_consultation' else 'remote_image_diagnosis' end, 'routine',
          case when j % 3 = 0 then 'in_progress' else 'completed' end, 'q', $2::uuid,
          make_timestamptz(2025, m, 1 + j % 27, 8, 0, 0, 'UTC'),
          make_timestamptz(2025, m, 1 + j % 27, 8, 0, 0, 'UTC') + interval '48 hours',
          make_timestamptz(2025, m, 1 + j % 27, 8, 0, 0, 'UTC') + (j % 60) * interval '1 hour'
        from generate_series(1, 20) i, generate_series(1, 12) m, generate_series(1, $3::int) j`,
      [pku, host, SCALE],
    );
    await q(
      `insert into reports (id, consultation_id, author_id, status, draft_updated_by, current_version, first_signed_at, acknowledged_at)
        select gen_random_uuid(), c.id, $1::uuid, 'acknowledged', $2::uuid, 1, c.submitted_at + interval '30 hours', c.submitted_at + interval '40 hours'
        from consultations c where c.state = 'completed'`,
      [host, host],
    );
    await q(`analyze`, []);
    const n = (await q(`select count(*)::int as n from consultations`)).rows[0]!.n as number;
    console.log(`  (${n} consultations seeded)`);
    const actor: Actor = {
      id: crypto.randomUUID(),
      username: 'program',
      displayName: 'p',
      role: 'program_admin',
      hospitalId: null,
      departmentId: null,
      sessionId: 's',
      csrfToken: 'c',
      ip: null,
    };
    const base = await timeIt('baseline: select count(*) from consultations', 50, () =>
      q(`select count(*) from consultations`, []),
    );
    const ours = await timeIt('getDashboard (year, all programs; audit entry included)', 20, () =>
      getDashboard(db, actor, { from: '2025-01-01', to: '2025-12-31' }),
    );
    const one = await timeIt('getDashboard for one county hospital', 20, () =>
      getDashboard(db, actor, {
        from: '2025-01-01',
        to: '2025-12-31',
        countyHospitalId:
          '' +
          crypto
            .createHash('md5')
            .update('h7')
            .digest('hex')
            .replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, '$1-$2-$3-$4-$5'),
      }),
    );
    ratio(ours, base, 'dashboard (all)');
    ratio(one, base, 'dashboard (one county)');
    await client.end();
  } finally {
    await dbh.close();
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`drop schema if exists "${schema}" cascade`);
    await c.end();
  }
}

await signing();
await pdf();
await dashboard();
