import { sql, type Kysely } from 'kysely';

/**
 * Frozen in time: never import app code here.
 * The consultation list's data version (consultations/list-count-cache.ts keeps capped counts per version):
 * `list_version.v` moves once per transaction that changed a row the list's visibility or filters read. Who may read
 * a case is derived from `consultations` and `care_team_members`; the actor's hospital and role come from the session
 * and are part of the cached count's key. Its own row, not the dashboard's version (migration
 * 2026_12_03_1560_lists_scale): a report or round edit keeps the list's counts, a care-team edit keeps the
 * dashboard. Same kind of trigger as the dashboard's: deferred to commit, the row locked only for that instant, one
 * move per transaction however many rows it changed.
 */
const WATCHED = ['consultations', 'care_team_members'];

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table list_version (id int primary key check (id = 1), v bigint not null)`.execute(db);
  await sql`insert into list_version values (1, 0)`.execute(db);
  await sql
    .raw(
      `create function list_touch() returns trigger language plpgsql as $$
      begin
        if coalesce(current_setting('consult.list_touched', true), '') <> 'on' then
          update list_version set v = v + 1;
          perform set_config('consult.list_touched', 'on', true);
        end if;
        return null;
      end $$`,
    )
    .execute(db);
  for (const table of WATCHED)
    await sql
      .raw(
        `create constraint trigger ${table}_list_touch after insert or update or delete on ${table}
        deferrable initially deferred for each row execute function list_touch()`,
      )
      .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of WATCHED)
    await sql.raw(`drop trigger if exists ${table}_list_touch on ${table}`).execute(db);
  await sql`drop function if exists list_touch()`.execute(db);
  await sql`drop table if exists list_version`.execute(db);
}
