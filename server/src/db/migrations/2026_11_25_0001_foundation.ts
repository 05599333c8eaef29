import { sql, type Kysely } from 'kysely';

// Frozen in time: never import app code here. SQL is the subset PostgreSQL 15 and PGlite (17) share.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('hospitals')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('name_zh', 'text', (c) => c.notNull())
    .addColumn('name_en', 'text', (c) => c.notNull())
    .addColumn('tier', 'text', (c) => c.notNull().check(sql`tier in ('tertiary', 'county')`))
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('hospitals_name_zh_key', ['name_zh'])
    .execute();

  await db.schema
    .createTable('departments')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('hospital_id', 'uuid', (c) => c.notNull().references('hospitals.id'))
    .addColumn('name_zh', 'text', (c) => c.notNull())
    .addColumn('name_en', 'text', (c) => c.notNull())
    .addUniqueConstraint('departments_hospital_name_key', ['hospital_id', 'name_zh'])
    .execute();

  await db.schema
    .createTable('pairings')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('tertiary_hospital_id', 'uuid', (c) => c.notNull().references('hospitals.id'))
    .addColumn('county_hospital_id', 'uuid', (c) => c.notNull().references('hospitals.id'))
    .addColumn('program_name', 'text', (c) => c.notNull())
    .addColumn('since', 'date', (c) => c.notNull())
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addUniqueConstraint('pairings_pair_key', ['tertiary_hospital_id', 'county_hospital_id'])
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) =>
      c
        .notNull()
        .check(sql`role in ('county_doctor','specialist','radiologist','program_admin','sys_admin')`),
    )
    .addColumn('hospital_id', 'uuid', (c) => c.references('hospitals.id'))
    .addColumn('department_id', 'uuid', (c) => c.references('departments.id'))
    .addColumn('locale', 'text', (c) => c.notNull().defaultTo('zh-CN'))
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('disabled', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('users_hospital_idx').on('users').column('hospital_id').execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ip', 'text')
    .execute();
  await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('seq', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('actor_id', 'text')
    .addColumn('actor_role', 'text')
    .addColumn('hospital_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('audit_entity_idx')
    .on('audit_events')
    .columns(['entity_type', 'entity_id'])
    .execute();
  // Append-only at the database level too: updates and deletes raise. (The tamper test disables the trigger
  // as an attacker with DDL rights would; the hash chain is what catches that.)
  await sql`create or replace function audit_events_append_only() returns trigger language plpgsql as $$
    begin raise exception 'audit_events is append-only'; end $$`.execute(db);
  await sql`create trigger audit_events_no_change before update or delete on audit_events
    for each row execute function audit_events_append_only()`.execute(db);

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('read_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('notifications_user_idx')
    .on('notifications')
    .columns(['user_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'notifications',
    'audit_events',
    'sessions',
    'users',
    'pairings',
    'departments',
    'hospitals',
  ]) {
    await db.schema.dropTable(t).ifExists().cascade().execute();
  }
  await sql`drop function if exists audit_events_append_only()`.execute(db);
}
