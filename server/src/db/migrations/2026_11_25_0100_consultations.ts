import { sql, type Kysely } from 'kysely';

// Frozen in time: never import app code here. SQL is the subset PostgreSQL 15 and PGlite (17) share.
// Patient files (patients → cases → follow-ups), consultation requests with their transitions, thread,
// attachments and the link to imaging studies.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('patients')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('hospital_id', 'uuid', (c) => c.notNull().references('hospitals.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('sex', 'text', (c) => c.notNull().check(sql`sex in ('male','female','unknown')`))
    .addColumn('birth_date', 'date', (c) => c.notNull())
    .addColumn('national_id', 'text')
    .addColumn('phone', 'text')
    .addColumn('address', 'text')
    .addColumn('village', 'text')
    .addColumn('poverty_registered', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('insurance_type', 'text', (c) => c.notNull().defaultTo('urban_rural_resident'))
    .addColumn('created_by', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('patients_hospital_idx')
    .on('patients')
    .columns(['hospital_id', 'name'])
    .execute();
  // One national ID per hospital's files (the same person may have files at two county hospitals).
  await sql`create unique index patients_hospital_national_id_key on patients (hospital_id, national_id) where national_id is not null`.execute(
    db,
  );

  await db.schema
    .createTable('patient_cases')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('patient_id', 'uuid', (c) => c.notNull().references('patients.id').onDelete('cascade'))
    .addColumn('diagnosis', 'text', (c) => c.notNull())
    .addColumn('icd10', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active','chronic','resolved')`))
    .addColumn('treatment_plan', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_by', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // One disease, one case file.
    .addUniqueConstraint('patient_cases_patient_icd10_key', ['patient_id', 'icd10'])
    .execute();

  await db.schema
    .createTable('case_follow_ups')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('case_id', 'uuid', (c) => c.notNull().references('patient_cases.id').onDelete('cascade'))
    .addColumn('follow_up_date', 'date', (c) => c.notNull())
    .addColumn('by_user_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('notes', 'text', (c) => c.notNull())
    .addColumn('next_due_date', 'date')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('case_follow_ups_case_idx')
    .on('case_follow_ups')
    .columns(['case_id', 'follow_up_date'])
    .execute();

  await db.schema
    .createTable('consultations')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('patient_id', 'uuid', (c) => c.notNull().references('patients.id'))
    .addColumn('case_id', 'uuid', (c) => c.notNull().references('patient_cases.id'))
    .addColumn('requesting_hospital_id', 'uuid', (c) => c.notNull().references('hospitals.id'))
    .addColumn('requester_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('target_hospital_id', 'uuid', (c) => c.notNull().references('hospitals.id'))
    .addColumn('target_department_id', 'uuid', (c) => c.references('departments.id'))
    .addColumn('type', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`type in ('remote_consultation','remote_image_diagnosis','ward_round_case','teaching_case')`,
        ),
    )
    .addColumn('urgency', 'text', (c) => c.notNull().check(sql`urgency in ('routine','urgent','emergency')`))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('clinical_question', 'text', (c) => c.notNull())
    .addColumn('history_summary', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('assigned_to', 'uuid', (c) => c.references('users.id'))
    .addColumn('decline_reason', 'text')
    .addColumn('return_reason', 'text')
    .addColumn('submitted_at', 'timestamptz')
    .addColumn('sla_due_at', 'timestamptz')
    .addColumn('responded_at', 'timestamptz')
    .addColumn('accepted_at', 'timestamptz')
    .addColumn('completed_at', 'timestamptz')
    .addColumn('sla_warned_at', 'timestamptz')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('consultations_requesting_idx')
    .on('consultations')
    .columns(['requesting_hospital_id', 'state'])
    .execute();
  await db.schema
    .createIndex('consultations_target_idx')
    .on('consultations')
    .columns(['target_hospital_id', 'state'])
    .execute();
  await db.schema
    .createIndex('consultations_assigned_idx')
    .on('consultations')
    .column('assigned_to')
    .execute();
  await db.schema.createIndex('consultations_patient_idx').on('consultations').column('patient_id').execute();

  await db.schema
    .createTable('consultation_transitions')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('consultation_id', 'uuid', (c) =>
      c.notNull().references('consultations.id').onDelete('cascade'),
    )
    .addColumn('from_state', 'text')
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('actor_role', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('consultation_transitions_idx')
    .on('consultation_transitions')
    .columns(['consultation_id', 'at'])
    .execute();

  await db.schema
    .createTable('consultation_messages')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('consultation_id', 'uuid', (c) =>
      c.notNull().references('consultations.id').onDelete('cascade'),
    )
    .addColumn('author_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('consultation_messages_idx')
    .on('consultation_messages')
    .columns(['consultation_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('consultation_attachments')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('consultation_id', 'uuid', (c) =>
      c.notNull().references('consultations.id').onDelete('cascade'),
    )
    .addColumn('message_id', 'uuid', (c) => c.references('consultation_messages.id'))
    .addColumn('uploaded_by', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('storage_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('consultation_attachments_idx')
    .on('consultation_attachments')
    .column('consultation_id')
    .execute();

  // Imaging link: which DICOM studies belong to which request. The imaging capability grants access through it.
  await db.schema
    .createTable('consultation_studies')
    .addColumn('consultation_id', 'uuid', (c) =>
      c.notNull().references('consultations.id').onDelete('cascade'),
    )
    .addColumn('study_instance_uid', 'text', (c) => c.notNull())
    .addColumn('linked_by', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('linked_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('consultation_studies_pkey', ['consultation_id', 'study_instance_uid'])
    .execute();
  await db.schema
    .createIndex('consultation_studies_uid_idx')
    .on('consultation_studies')
    .column('study_instance_uid')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'consultation_studies',
    'consultation_attachments',
    'consultation_messages',
    'consultation_transitions',
    'consultations',
    'case_follow_ups',
    'patient_cases',
    'patients',
  ]) {
    await db.schema.dropTable(t).ifExists().cascade().execute();
  }
}
