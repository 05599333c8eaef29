import type { Sex } from '@consult/shared';
import type { Actor } from '../auth/actor';
import type { ConsultationCtx } from '../consultations/service';
import { linkStudy } from '../consultations/thread';
import { newUid, part10, type Item } from '../imaging/dicomwriter';
import { storeInstance } from '../imaging/ingest';
import { linkCase } from '../imaging/service';
import { BlobStore, TempWriter } from '../imaging/storage';
import { storageDirOf } from '../ops-config';

/**
 * Small synthetic studies for the demo caseload, generated here (no corpus file is copied into the repo): a few
 * 64×64 CT slices of a simple phantom — air, a water-dense body, a fat rim and a dense "lesion" that moves from
 * slice to slice — with the demo patient's name, ID, sex and birth date. They are stored through the same ingest
 * the browser upload uses, acting as the county doctor, then linked to the patient's case and the request.
 */

export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
export const DEMO_SIZE = 64;

export interface DemoStudy {
  /** Days before seeding the study was acquired. */
  daysAgo: number;
  description: string;
  seriesDescription: string;
  bodyPart: string;
  slices: number;
}

export interface DemoStudyPatient {
  name: string;
  /** Hospital patient ID written in (0010,0020). */
  patientId: string;
  sex: Sex;
  birthDate: string;
}

/** HU of the phantom at (x, y) on slice k of n: air, a body ellipse (fat rim, water inside), a dense disc. */
export function phantomHu(x: number, y: number, k: number, n: number): number {
  const c = (DEMO_SIZE - 1) / 2;
  const body = ((x - c) / 28) ** 2 + ((y - c) / 22) ** 2;
  if (body > 1) return -1000;
  if (body > 0.8) return -100;
  const lx = c + 10 * Math.cos((2 * Math.PI * k) / Math.max(n, 1));
  const ly = c - 4;
  return (x - lx) ** 2 + (y - ly) ** 2 <= 36 ? 60 + 20 * k : 0;
}

/** Stored values are HU + 1024 (unsigned, 12 bits used), undone by the rescale intercept -1024. */
function pixelData(k: number, n: number): Uint8Array {
  const b = Buffer.alloc(DEMO_SIZE * DEMO_SIZE * 2);
  for (let y = 0; y < DEMO_SIZE; y++)
    for (let x = 0; x < DEMO_SIZE; x++)
      b.writeUInt16LE(phantomHu(x, y, k, n) + 1024, (y * DEMO_SIZE + x) * 2);
  return new Uint8Array(b);
}

const da = (iso: string) => iso.replaceAll('-', '');
const daysAgo = (n: number, today: Date) =>
  da(new Date(today.getTime() - n * 86_400_000).toISOString().slice(0, 10));

/** The Part 10 files of one synthetic CT study (Explicit VR Little Endian, UTF-8). */
export function demoCtStudy(
  p: DemoStudyPatient,
  s: DemoStudy,
  today = new Date(),
): { studyUid: string; files: Buffer[] } {
  const studyUid = newUid();
  const seriesUid = newUid();
  const frameOfReference = newUid();
  const date = daysAgo(s.daysAgo, today);
  const thickness = 5;
  const files: Buffer[] = [];
  for (let k = 0; k < s.slices; k++) {
    const sop = newUid();
    const z = -k * thickness;
    const ds: Item = {
      '00080005': ['CS', 'ISO_IR 192'],
      '00080008': ['CS', ['ORIGINAL', 'PRIMARY', 'AXIAL']],
      '00080016': ['UI', CT_IMAGE_STORAGE],
      '00080018': ['UI', sop],
      '00080020': ['DA', date],
      '00080021': ['DA', date],
      '00080030': ['TM', '093000'],
      '00080050': ['SH', `DEMO${date}`],
      '00080060': ['CS', 'CT'],
      '00080070': ['LO', 'consult-platform demo phantom'],
      '00080090': ['PN', ''],
      '00081030': ['LO', s.description],
      '0008103E': ['LO', s.seriesDescription],
      '00100010': ['PN', p.name],
      '00100020': ['LO', p.patientId],
      '00100030': ['DA', da(p.birthDate)],
      '00100040': ['CS', { male: 'M', female: 'F', unknown: 'O' }[p.sex]],
      '00180015': ['CS', s.bodyPart],
      '00180050': ['DS', String(thickness)],
      '00180060': ['DS', '120'],
      '0020000D': ['UI', studyUid],
      '0020000E': ['UI', seriesUid],
      '00200010': ['SH', '1'],
      '00200011': ['IS', '1'],
      '00200013': ['IS', String(k + 1)],
      '00200032': ['DS', ['-112', '-112', String(z)]],
      '00200037': ['DS', ['1', '0', '0', '0', '1', '0']],
      '00200052': ['UI', frameOfReference],
      '00201041': ['DS', String(z)],
      '00280002': ['US', 1],
      '00280004': ['CS', 'MONOCHROME2'],
      '00280010': ['US', DEMO_SIZE],
      '00280011': ['US', DEMO_SIZE],
      '00280030': ['DS', ['3.5', '3.5']],
      '00280100': ['US', 16],
      '00280101': ['US', 12],
      '00280102': ['US', 11],
      '00280103': ['US', 0],
      '00281050': ['DS', '40'],
      '00281051': ['DS', '400'],
      '00281052': ['DS', '-1024'],
      '00281053': ['DS', '1'],
      '00281054': ['LO', 'HU'],
      '7FE00010': ['OW', pixelData(k, s.slices)],
    };
    files.push(part10(ds, CT_IMAGE_STORAGE, sop));
  }
  return { studyUid, files };
}

/**
 * Store a synthetic study as `doctor` (their hospital owns it), tie it to the patient's case and link it to the
 * request. Throws when the ingest refuses a slice: the demo must show what it claims.
 */
export async function seedDemoStudy(
  ctx: ConsultationCtx,
  doctor: Actor,
  target: { caseId: string; consultationId: string },
  p: DemoStudyPatient,
  s: DemoStudy,
): Promise<{ studyUid: string; instances: number }> {
  const store = new BlobStore(storageDirOf(ctx.config));
  const { studyUid, files } = demoCtStudy(p, s);
  let studyId: string | null = null;
  for (const bytes of files) {
    const w = new TempWriter(store);
    await w.write(bytes);
    const sha256 = await w.finish();
    const r = await storeInstance(ctx.db, store, doctor, { tempPath: w.path, sha256, size: w.size });
    if (r.status !== 'stored' || !r.studyId)
      throw new Error(`demo study of ${p.name}: slice ${r.sopInstanceUid} ${r.status}: ${r.reason}`);
    studyId = r.studyId;
  }
  await linkCase(ctx.db, doctor, studyId!, target.caseId);
  await linkStudy(ctx, doctor, target.consultationId, studyUid);
  return { studyUid, instances: files.length };
}
