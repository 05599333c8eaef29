import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type Session, type TestApp } from '../testing/harness';
import { hashPassword } from '../auth/password';
import { DEMO_PASSWORD } from '../seed/demo';
import { parsePart10 } from './dicom';
import { BlobStore } from './storage';
import { corpusFiles, splitMultipart, stowBody, type CorpusFile } from './testkit';

/**
 * The whole shared corpus through STOW-RS, one file per request so each file's outcome is known.
 * The corpus holds the same SOP Instance UID in several encodings (e.g. one image in 17 transfer syntaxes);
 * our policy stores the first and answers 409 for different bytes under the same UID in the same hospital.
 * So files are split into generations (k-th file of each UID), each uploaded by a user of its own hospital; as a
 * study belongs to one hospital, a later generation's file of a study stored by an earlier one is refused (409).
 */

/** README "not valid or not storable": each must be rejected, with a reason naming the fault. */
const MUST_REJECT: [RegExp, RegExp][] = [
  [
    /test_files\/(no_meta|ExplVR_BigEndNoMeta|ExplVR_LitEndNoMeta|rtstruct)\.dcm$/,
    /not a DICOM Part 10 file/,
  ],
  [/no_meta_group_length\.dcm$/, /missing (Study|Series|SOP)/],
  [/meta_missing_tsyntax\.dcm$/, /no Transfer Syntax UID \(0002,0010\)/],
  [/(MR_truncated|rtplan_truncated)\.dcm$/, /truncated/],
  [/\.(txt|json|dump|gz)$|README/, /not a DICOM/],
  [/dicomdirtests\/DICOMDIR/, /DICOMDIR|malformed/],
];
/** README "odd VR or data": either outcome is fine, as long as it is deliberate (stored, or 4xx with a reason). */
const ODD =
  /(badVR|J2K_pixelrep_mismatch|reportsi_with_empty_number_tags|JPEG2000-embedded-sequence-delimiter|UN_sequence|nested_priv_SQ)\.dcm$/;
/** Beyond the README: a meta header declaring explicit VR over an implicit-VR data set → rejected as malformed. */
const EXTRA_REJECT: [RegExp, RegExp][] = [
  [/test_files\/SC_rgb_jpeg\.dcm$/, /not encoded in the transfer syntax/],
];

const expectedReject = (p: string) => [...MUST_REJECT, ...EXTRA_REJECT].find(([f]) => f.test(p))?.[1] ?? null;
/** Valid per the manifest: has a SOP class and a Part 10 transfer syntax, and is not listed above. */
const isValid = (f: CorpusFile, sopClass: string) =>
  sopClass !== '' && f.transferSyntax !== '(no meta)' && !expectedReject(f.path) && !ODD.test(f.path);

interface Outcome {
  file: CorpusFile;
  status: number;
  body: Record<string, { Value?: unknown[] }>;
}

describe.each(DIALECTS)('STOW-RS of the whole corpus (%s)', (dialect) => {
  let t: TestApp;
  const files = corpusFiles();
  const manifest = new Map(
    fs
      .readFileSync(path.join(files[0]!.abs.split('/deb-pydicom/')[0]!, 'MANIFEST.tsv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => {
        const c = l.split('\t');
        return [c[0]!, c[3] ?? ''] as const;
      }),
  );
  const outcomes: Outcome[] = [];
  const sessions: Session[] = [];
  const genOf = new Map<string, number>();

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    // Generation of each file: how many earlier files share its SOP Instance UID.
    const seen = new Map<string, number>();
    for (const f of files) {
      const r = parsePart10(fs.readFileSync(f.abs));
      const g = r.ok ? (seen.get(r.attrs.sopInstanceUid) ?? 0) : 0;
      if (r.ok) seen.set(r.attrs.sopInstanceUid, g + 1);
      genOf.set(f.path, g);
    }
    const generations = Math.max(...genOf.values()) + 1;
    const hash = await hashPassword(DEMO_PASSWORD);
    for (let g = 0; g < generations; g++) {
      const hid = crypto.randomUUID();
      await t.db
        .insertInto('hospitals')
        .values({
          id: hid,
          name_zh: `测试医院${g}`,
          name_en: `Corpus Test Hospital ${g}`,
          tier: 'county',
          region: 'test',
        })
        .execute();
      await t.db
        .insertInto('users')
        .values({
          id: crypto.randomUUID(),
          username: `corpus.${g}`,
          display_name: `corpus ${g}`,
          role: 'county_doctor',
          hospital_id: hid,
          department_id: null,
          password_hash: hash,
        })
        .execute();
      sessions.push(await t.login(`corpus.${g}`));
    }
    for (const f of files) {
      const { body, contentType } = stowBody([fs.readFileSync(f.abs)]);
      const s = sessions[genOf.get(f.path)!]!;
      const res = await t.as(s, {
        method: 'POST',
        url: '/dicomweb/studies',
        headers: { 'content-type': contentType },
        payload: body,
      });
      outcomes.push({ file: f, status: res.statusCode, body: res.json() });
    }
  }, 600_000);
  afterAll(async () => t?.close());

  const failureText = (o: Outcome) => {
    const item = (o.body['00081198']?.Value?.[0] ?? {}) as Record<string, { Value?: unknown[] }>;
    return {
      reason: String(item['00000902']?.Value?.[0] ?? ''),
      code: Number(item['00081197']?.Value?.[0] ?? 0),
    };
  };

  it('answers every file with 200 (stored) or 409 (rejected with a reason), never a server error', () => {
    expect(outcomes).toHaveLength(files.length);
    for (const o of outcomes) {
      expect([200, 409], o.file.path).toContain(o.status);
      if (o.status === 409) {
        const f = failureText(o);
        expect(f.reason.length, o.file.path).toBeGreaterThan(10);
        expect(f.reason, o.file.path).not.toMatch(/exception|stack|undefined|TypeError/i);
        expect(f.code, o.file.path).toBeGreaterThan(0);
      }
    }
  });

  it('rejects every invalid file of the README with the reason naming its fault', () => {
    const invalid = outcomes.filter((o) => expectedReject(o.file.path));
    expect(invalid.length).toBeGreaterThanOrEqual(25);
    for (const o of invalid) {
      expect(o.status, o.file.path).toBe(409);
      expect(failureText(o).reason, o.file.path).toMatch(expectedReject(o.file.path)!);
    }
  });

  it('stores every valid file unless another hospital holds its study (then 409 naming it), and QIDO finds each stored one', async () => {
    const valid = outcomes.filter((o) => isValid(o.file, manifest.get(o.file.path) ?? ''));
    expect(valid.length).toBeGreaterThan(180);
    // A study belongs to one hospital: the hospital of the first generation that stored it.
    const owner = new Map<string, number>();
    let refused = 0;
    for (const o of outcomes) {
      const r = parsePart10(fs.readFileSync(o.file.abs));
      if (!r.ok) continue;
      const g = genOf.get(o.file.path)!;
      const held = owner.get(r.attrs.studyUid);
      if (!valid.includes(o)) {
        if (o.status === 200 && held === undefined) owner.set(r.attrs.studyUid, g);
        continue;
      }
      if (held !== undefined && held !== g) {
        expect(o.status, o.file.path).toBe(409);
        expect(failureText(o).reason, o.file.path).toMatch(
          /already belongs to a patient of another hospital/,
        );
        refused++;
        continue;
      }
      owner.set(r.attrs.studyUid, g);
      expect(o.status, `${o.file.path} ${failureText(o).reason}`).toBe(200);
      const ref = (o.body['00081199']!.Value![0] as Record<string, { Value: string[] }>)['00081155']!
        .Value[0]!;
      const s = sessions[genOf.get(o.file.path)!]!;
      const q = await t.as(s, { method: 'GET', url: `/dicomweb/instances?SOPInstanceUID=${ref}` });
      expect(q.statusCode).toBe(200);
      expect(q.json(), o.file.path).toHaveLength(1);
    }
    expect(refused).toBeGreaterThan(0);
  });

  it('WADO-RS returns every stored file byte-identical', async () => {
    for (const o of outcomes.filter((x) => x.status === 200)) {
      const url = (o.body['00081199']!.Value![0] as Record<string, { Value: string[] }>)[
        '00081190'
      ]!.Value[0]!.replace(/^https?:\/\/[^/]+/, '');
      const res = await t.as(sessions[genOf.get(o.file.path)!]!, { method: 'GET', url });
      expect(res.statusCode, o.file.path).toBe(200);
      const parts = splitMultipart(res.rawPayload, String(res.headers['content-type']));
      expect(parts).toHaveLength(1);
      expect(Buffer.compare(parts[0]!.body, fs.readFileSync(o.file.abs)), o.file.path).toBe(0);
    }
  });

  it('leaves storage consistent: every index row has its blob (same hash), no temp files remain', async () => {
    const store = new BlobStore(t.config.dataDir);
    const rows = await t.db.selectFrom('imaging_instances').select(['sha256', 'size']).execute();
    expect(rows.length).toBe(outcomes.filter((o) => o.status === 200).length);
    for (const r of rows) {
      const bytes = await store.read(r.sha256);
      expect(crypto.createHash('sha256').update(bytes).digest('hex')).toBe(r.sha256);
      expect(bytes.length).toBe(Number(r.size));
    }
    expect(fs.readdirSync(store.tmpDir)).toEqual([]);
    // No study is listed without an instance.
    const empty = await t.db
      .selectFrom('imaging_studies as s')
      .select('s.id')
      .where((eb) =>
        eb.not(
          eb.exists(
            eb.selectFrom('imaging_instances as i').select('i.id').whereRef('i.study_ref', '=', 's.id'),
          ),
        ),
      )
      .execute();
    expect(empty).toEqual([]);
  });

  it('re-sending an identical file is idempotent; other bytes under a stored SOP Instance UID → 409 naming the conflict', async () => {
    const s0 = sessions[0]!;
    const again = stowBody([
      fs.readFileSync(
        outcomes.find(
          (o) =>
            o.file.path === 'generated/ts/explicit_le.dcm' || o.file.path === 'generated/ct_series/ct_1.dcm',
        )!.file.abs,
      ),
    ]);
    const before = await t.db
      .selectFrom('imaging_instances')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const r1 = await t.as(s0, {
      method: 'POST',
      url: '/dicomweb/studies',
      headers: { 'content-type': again.contentType },
      payload: again.body,
    });
    expect(r1.statusCode).toBe(200);
    const after = await t.db
      .selectFrom('imaging_instances')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
    // ct_1.dcm and ts/implicit_le.dcm carry the same SOP Instance UID with different bytes.
    const other = stowBody([
      fs.readFileSync(files.find((f) => f.path === 'generated/ts/implicit_le.dcm')!.abs),
    ]);
    const owner = sessions[genOf.get('generated/ct_series/ct_1.dcm')!]!;
    const r2 = await t.as(owner, {
      method: 'POST',
      url: '/dicomweb/studies',
      headers: { 'content-type': other.contentType },
      payload: other.body,
    });
    expect(r2.statusCode).toBe(409);
    const item = r2.json()['00081198'].Value[0] as Record<string, { Value: unknown[] }>;
    expect(item['00081197']!.Value[0]).toBe(0x0111);
    expect(String(item['00000902']!.Value[0])).toMatch(/already stored with different content/);
  });

  it('decodes Chinese patient names via Specific Character Set (GB18030, ISO_IR 192)', async () => {
    for (const [file, name] of [
      ['chrX2.dcm', 'Wang^XiaoDong=王^小东='],
      ['chrX1.dcm', 'Wang^XiaoDong=王^小東='],
    ] as const) {
      const o = outcomes.find((x) => x.file.path.endsWith(`charset_files/${file}`))!;
      const s = sessions[genOf.get(o.file.path)!]!;
      const q = await t.as(s, {
        method: 'GET',
        url: `/dicomweb/studies?PatientName=${encodeURIComponent('王*')}`,
      });
      const hit = (
        q.json() as Record<string, { Value: { Alphabetic?: string; Ideographic?: string }[] }>[]
      ).map((x) => x['00100010']!.Value[0]!);
      expect(hit).toContainEqual({ Alphabetic: name.split('=')[0], Ideographic: name.split('=')[1] });
    }
  });
});
