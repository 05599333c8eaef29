import { sql, type Kysely } from 'kysely';

/**
 * Frozen in time: never import app code here.
 * The list's data version (migration 2026_12_06_0100_list_count_version) also moves when a name or flag the list's
 * rows show changes (patients, their cases, hospitals, users), and every move is announced: NOTIFY on channel
 * `consult_list` with the payload `<schema> <v>`, delivered to listeners when the transaction commits. A server
 * that listens (db/list-version.ts) knows the current version without a round trip, so a list page it already
 * read at that version can be answered from memory (consultations/list-page-cache.ts). The schema in the payload
 * keeps schemas sharing one database (tests, several deployments) apart.
 */
const NEW_WATCHED = ['patients', 'patient_cases', 'hospitals', 'users'];

export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(
      `create or replace function list_touch() returns trigger language plpgsql as $$
      declare nv bigint;
      begin
        if coalesce(current_setting('consult.list_touched', true), '') <> 'on' then
          update list_version set v = v + 1 returning v into nv;
          perform set_config('consult.list_touched', 'on', true);
          perform pg_notify('consult_list', current_schema() || ' ' || nv::text);
        end if;
        return null;
      end $$`,
    )
    .execute(db);
  for (const table of NEW_WATCHED)
    await sql
      .raw(
        `create constraint trigger ${table}_list_touch after insert or update or delete on ${table}
        deferrable initially deferred for each row execute function list_touch()`,
      )
      .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of NEW_WATCHED)
    await sql.raw(`drop trigger if exists ${table}_list_touch on ${table}`).execute(db);
  await sql
    .raw(
      `create or replace function list_touch() returns trigger language plpgsql as $$
      begin
        if coalesce(current_setting('consult.list_touched', true), '') <> 'on' then
          update list_version set v = v + 1;
          perform set_config('consult.list_touched', 'on', true);
        end if;
        return null;
      end $$`,
    )
    .execute(db);
}
