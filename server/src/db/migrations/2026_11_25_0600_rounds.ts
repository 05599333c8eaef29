import { sql, type Kysely } from 'kysely';

// Frozen in time: never import app code here. Video ward rounds: the round, its invitees, agenda, chat, recordings.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rounds')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('ward_round', 'teaching')`))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('scheduled')
        .check(sql`status in ('scheduled', 'live', 'ended')`),
    )
    .addColumn('scheduled_at', 'timestamptz', (c) => c.notNull())
    .addColumn('duration_minutes', 'integer', (c) => c.notNull().defaultTo(60))
    .addColumn('host_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('hospital_id', 'uuid', (c) => c.notNull().references('hospitals.id'))
    .addColumn('current_agenda_item_id', 'uuid')
    .addColumn('started_at', 'timestamptz')
    .addColumn('ended_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('rounds_hospital_idx')
    .on('rounds')
    .columns(['hospital_id', 'scheduled_at'])
    .execute();

  await db.schema
    .createTable('round_invitees')
    .addColumn('round_id', 'uuid', (c) => c.notNull().references('rounds.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addPrimaryKeyConstraint('round_invitees_pk', ['round_id', 'user_id'])
    .execute();
  await db.schema.createIndex('round_invitees_user_idx').on('round_invitees').column('user_id').execute();

  // consultation_id: the case presented. No foreign key on purpose (consultations are another capability's
  // table); the service checks it exists and is visible to the host.
  await db.schema
    .createTable('round_agenda_items')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('round_id', 'uuid', (c) => c.notNull().references('rounds.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('consultation_id', 'uuid')
    .addColumn('presenter_id', 'uuid', (c) => c.references('users.id'))
    .addUniqueConstraint('round_agenda_position_key', ['round_id', 'position'])
    .execute();

  await db.schema
    .createTable('round_chat_messages')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('round_id', 'uuid', (c) => c.notNull().references('rounds.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('round_chat_round_idx')
    .on('round_chat_messages')
    .columns(['round_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('round_recordings')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('round_id', 'uuid', (c) => c.notNull().references('rounds.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('recording', 'ready', 'failed')`))
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('mime_type', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('started_by', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ended_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('round_recordings_round_idx')
    .on('round_recordings')
    .column('round_id')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'round_recordings',
    'round_chat_messages',
    'round_agenda_items',
    'round_invitees',
    'rounds',
  ]) {
    await db.schema.dropTable(t).ifExists().cascade().execute();
  }
}
