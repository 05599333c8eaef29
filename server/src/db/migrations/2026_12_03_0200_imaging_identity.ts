import crypto from 'node:crypto';
import { sql, type Kysely } from 'kysely';

// Imaging identity (issue 11): patients are keyed on hospital + Issuer of Patient ID (0010,0021) + Patient ID
// (0010,0020), and never on an empty Patient ID: each study without one gets its own patient record.
// Existing rows: every patient gets issuer '' (what the index stored before); a patient record with an empty
// Patient ID that several studies shared is split into one record per study (the first study keeps it), and
// those records are flagged so the server re-reads name, sex and birth date from each study's own header at the
// next start (a migration cannot read blobs). Frozen in time: never import app code here.
export async function up(db: Kysely<any>): Promise<void> {
  // Frame index of native pixel data (issue 12): frames are read by range. NULL for older rows, encapsulated or
  // deflated data (read whole).
  await db.schema
    .alterTable('imaging_instances')
    .addColumn('pixel_offset', 'bigint')
    .addColumn('frame_length', 'bigint')
    .execute();
  await db.schema
    .alterTable('imaging_patients')
    .addColumn('issuer', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .alterTable('imaging_patients')
    .addColumn('refresh_demographics', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema.alterTable('imaging_patients').dropConstraint('imaging_patients_key').execute();
  await db.schema
    .createIndex('imaging_patients_key')
    .on('imaging_patients')
    .columns(['hospital_id', 'issuer', 'patient_id'])
    .unique()
    .where(sql.ref('patient_id'), '<>', '')
    .execute();

  const shared = await db
    .selectFrom('imaging_studies as s')
    .innerJoin('imaging_patients as p', 'p.id', 's.patient_ref')
    .select(['s.id as study', 'p.id as patient', 'p.hospital_id', 'p.patient_name', 'p.birth_date', 'p.sex'])
    .where('p.patient_id', '=', '')
    .orderBy('p.id')
    .orderBy('s.created_at')
    .orderBy('s.id')
    .execute();
  const seen = new Set<string>();
  for (const r of shared) {
    if (!seen.has(r.patient)) {
      seen.add(r.patient);
      continue;
    }
    const id = crypto.randomUUID();
    await db
      .insertInto('imaging_patients')
      .values({
        id,
        hospital_id: r.hospital_id,
        patient_id: '',
        issuer: '',
        patient_name: r.patient_name,
        birth_date: r.birth_date,
        sex: r.sex,
        refresh_demographics: true,
      })
      .execute();
    await db.updateTable('imaging_studies').set({ patient_ref: id }).where('id', '=', r.study).execute();
  }
  await db
    .updateTable('imaging_patients')
    .set({ refresh_demographics: true })
    .where('patient_id', '=', '')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('imaging_instances')
    .dropColumn('pixel_offset')
    .dropColumn('frame_length')
    .execute();
  await db.schema.dropIndex('imaging_patients_key').execute();
  await db.schema
    .alterTable('imaging_patients')
    .addUniqueConstraint('imaging_patients_key', ['hospital_id', 'patient_id'])
    .execute();
  await db.schema.alterTable('imaging_patients').dropColumn('refresh_demographics').execute();
  await db.schema.alterTable('imaging_patients').dropColumn('issuer').execute();
}
