import { sql, type Kysely } from 'kysely';

// Frozen in time: never import app code here.
// The care team of a consultation (issue 11): colleagues the consultant adds to the case, and the requesting
// hospital's consent to show the case in teaching rounds to doctors outside the team.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('care_team_members')
    .addColumn('consultation_id', 'uuid', (c) =>
      c.notNull().references('consultations.id').onDelete('cascade'),
    )
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('purpose', 'text', (c) =>
      c.notNull().check(sql`purpose in ('imaging','second_opinion','triage')`),
    )
    .addColumn('added_by', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('added_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('care_team_members_pk', ['consultation_id', 'user_id'])
    .execute();
  await db.schema
    .createIndex('care_team_members_user_idx')
    .on('care_team_members')
    .column('user_id')
    .execute();
  await db.schema
    .alterTable('consultations')
    .addColumn('shared_for_teaching', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('consultations').dropColumn('shared_for_teaching').execute();
  await db.schema.dropTable('care_team_members').ifExists().execute();
}
