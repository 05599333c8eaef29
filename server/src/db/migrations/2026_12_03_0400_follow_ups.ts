import { sql, type Kysely } from 'kysely';

/**
 * Frozen in time: never import app code here.
 * Structured follow-ups: blood pressure, glucose, weight, symptoms, medication adherence next to the free text
 * (existing rows keep their text and become kind 'visit'); the entry written on a report's acknowledgement is
 * kind 'report_acknowledged' and names the report instead of carrying an English sentence.
 * Report numbers: a human number per signing hospital and year (CODE-YYYY-NNNNNN), assigned at first signing.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('case_follow_ups')
    .addColumn('kind', 'text', (c) =>
      c
        .notNull()
        .defaultTo('visit')
        .check(sql`kind in ('visit', 'report_acknowledged')`),
    )
    .addColumn('systolic', 'integer', (c) => c.check(sql`systolic between 50 and 300`))
    .addColumn('diastolic', 'integer', (c) => c.check(sql`diastolic between 20 and 200`))
    .addColumn('glucose', 'double precision', (c) => c.check(sql`glucose between 0.5 and 50`))
    .addColumn('weight', 'double precision', (c) => c.check(sql`weight between 0.5 and 400`))
    .addColumn('symptoms', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('adherence', 'text', (c) =>
      c.check(sql`adherence in ('regular', 'irregular', 'none', 'not_prescribed')`),
    )
    .addColumn('report_id', 'uuid', (c) => c.references('reports.id'))
    .addColumn('report_number', 'text')
    .addColumn('report_version', 'integer')
    .addColumn('report_diagnosis', 'text')
    .execute();
  // Both pressures or neither.
  await sql`alter table case_follow_ups add constraint case_follow_ups_bp_pair
    check ((systolic is null) = (diastolic is null))`.execute(db);

  await db.schema.alterTable('patients').addColumn('record_number', 'text').execute();
  await db.schema
    .createIndex('patients_hospital_record_number_key')
    .on('patients')
    .columns(['hospital_id', 'record_number'])
    .unique()
    .where(sql.ref('record_number'), 'is not', null)
    .execute();

  await db.schema
    .createTable('report_issuers')
    .addColumn('hospital_id', 'uuid', (c) => c.primaryKey().references('hospitals.id'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .execute();
  await db.schema
    .createTable('report_number_sequences')
    .addColumn('hospital_id', 'uuid', (c) => c.notNull().references('hospitals.id'))
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('last_seq', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('report_number_sequences_pkey', ['hospital_id', 'year'])
    .execute();
  await db.schema
    .alterTable('reports')
    .addColumn('report_number', 'text', (c) => c.unique())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('reports').dropColumn('report_number').execute();
  await db.schema.dropTable('report_number_sequences').execute();
  await db.schema.dropTable('report_issuers').execute();
  await db.schema.dropIndex('patients_hospital_record_number_key').execute();
  await db.schema.alterTable('patients').dropColumn('record_number').execute();
  await sql`alter table case_follow_ups drop constraint case_follow_ups_bp_pair`.execute(db);
  for (const c of [
    'report_diagnosis',
    'report_version',
    'report_number',
    'report_id',
    'adherence',
    'symptoms',
    'weight',
    'glucose',
    'diastolic',
    'systolic',
    'kind',
  ])
    await db.schema.alterTable('case_follow_ups').dropColumn(c).execute();
}
