import { sql, type Kysely } from 'kysely';

// Imaging index: patients / studies / series / instances (attributes QIDO needs) and annotations.
// Frozen in time: never import app code here. SQL is the subset PostgreSQL 15 and PGlite (17) share.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('imaging_patients')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('hospital_id', 'uuid', (c) => c.notNull().references('hospitals.id'))
    .addColumn('patient_id', 'text', (c) => c.notNull())
    .addColumn('patient_name', 'text', (c) => c.notNull())
    .addColumn('birth_date', 'text', (c) => c.notNull())
    .addColumn('sex', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('imaging_patients_key', ['hospital_id', 'patient_id'])
    .execute();

  await db.schema
    .createTable('imaging_studies')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('hospital_id', 'uuid', (c) => c.notNull().references('hospitals.id'))
    .addColumn('patient_ref', 'uuid', (c) => c.notNull().references('imaging_patients.id'))
    .addColumn('study_uid', 'text', (c) => c.notNull())
    .addColumn('study_date', 'text', (c) => c.notNull())
    .addColumn('study_time', 'text', (c) => c.notNull())
    .addColumn('accession_number', 'text', (c) => c.notNull())
    .addColumn('study_id', 'text', (c) => c.notNull())
    .addColumn('study_description', 'text', (c) => c.notNull())
    .addColumn('referring_physician', 'text', (c) => c.notNull())
    .addColumn('case_id', 'uuid')
    .addColumn('uploaded_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('imaging_studies_key', ['hospital_id', 'study_uid'])
    .execute();
  await db.schema.createIndex('imaging_studies_uid_idx').on('imaging_studies').column('study_uid').execute();
  await db.schema
    .createIndex('imaging_studies_date_idx')
    .on('imaging_studies')
    .columns(['hospital_id', 'study_date'])
    .execute();
  await db.schema
    .createIndex('imaging_studies_patient_idx')
    .on('imaging_studies')
    .column('patient_ref')
    .execute();

  await db.schema
    .createTable('imaging_series')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('study_ref', 'uuid', (c) => c.notNull().references('imaging_studies.id'))
    .addColumn('series_uid', 'text', (c) => c.notNull())
    .addColumn('modality', 'text', (c) => c.notNull())
    .addColumn('series_number', 'integer')
    .addColumn('series_description', 'text', (c) => c.notNull())
    .addColumn('body_part', 'text', (c) => c.notNull())
    .addUniqueConstraint('imaging_series_key', ['study_ref', 'series_uid'])
    .execute();
  await db.schema
    .createIndex('imaging_series_modality_idx')
    .on('imaging_series')
    .columns(['modality', 'study_ref'])
    .execute();

  await db.schema
    .createTable('imaging_instances')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('hospital_id', 'uuid', (c) => c.notNull().references('hospitals.id'))
    .addColumn('study_ref', 'uuid', (c) => c.notNull().references('imaging_studies.id'))
    .addColumn('series_ref', 'uuid', (c) => c.notNull().references('imaging_series.id'))
    .addColumn('sop_uid', 'text', (c) => c.notNull())
    .addColumn('sop_class_uid', 'text', (c) => c.notNull())
    .addColumn('transfer_syntax_uid', 'text', (c) => c.notNull())
    .addColumn('instance_number', 'integer')
    .addColumn('rows', 'integer')
    .addColumn('columns', 'integer')
    .addColumn('frames', 'integer', (c) => c.notNull())
    .addColumn('bits_allocated', 'integer')
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('uploaded_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('imaging_instances_key', ['hospital_id', 'sop_uid'])
    .execute();
  await db.schema
    .createIndex('imaging_instances_series_idx')
    .on('imaging_instances')
    .column('series_ref')
    .execute();
  await db.schema
    .createIndex('imaging_instances_study_idx')
    .on('imaging_instances')
    .column('study_ref')
    .execute();

  await db.schema
    .createTable('imaging_annotations')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('study_ref', 'uuid', (c) => c.notNull().references('imaging_studies.id'))
    .addColumn('instance_ref', 'uuid', (c) => c.notNull().references('imaging_instances.id'))
    .addColumn('frame', 'integer', (c) => c.notNull())
    .addColumn('tool', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('author_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('imaging_annotations_study_idx')
    .on('imaging_annotations')
    .column('study_ref')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'imaging_annotations',
    'imaging_instances',
    'imaging_series',
    'imaging_studies',
    'imaging_patients',
  ]) {
    await db.schema.dropTable(t).ifExists().cascade().execute();
  }
}
