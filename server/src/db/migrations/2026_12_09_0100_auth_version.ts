import { sql, type Kysely } from 'kysely';

/**
 * Frozen in time: never import app code here.
 * The sign-in data version (auth/session-cache.ts keeps resolved sessions per version): `auth_version.v` moves once
 * per transaction that ended a session or changed what a session resolves to — a session deleted (sign-out, expiry,
 * password change, an administrator's reset, the user deleted), its CSRF token, second-factor enrolment or user
 * changed, its expiry brought forward, or its user changed in any way (role, hospital, department, name, disabled,
 * password). Sliding expiry (a later `expires_at`, `last_seen_at`) does not move it: the process that extends a
 * session updates its own copy, and a copy that believes a session to end sooner only asks the database again. Every move is announced on channel
 * `consult_auth` with the payload `<schema> <v>` at commit (db/data-version.ts). Same kind of trigger as the list's
 * (migration 2026_12_06_0100_list_count_version): deferred to commit, one move per transaction.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table auth_version (id int primary key check (id = 1), v bigint not null)`.execute(db);
  await sql`insert into auth_version values (1, 0)`.execute(db);
  await sql
    .raw(
      `create function auth_touch() returns trigger language plpgsql as $$
      declare nv bigint;
      begin
        if coalesce(current_setting('consult.auth_touched', true), '') <> 'on' then
          update auth_version set v = v + 1 returning v into nv;
          perform set_config('consult.auth_touched', 'on', true);
          perform pg_notify('consult_auth', current_schema() || ' ' || nv::text);
        end if;
        return null;
      end $$`,
    )
    .execute(db);
  await sql
    .raw(
      `create constraint trigger sessions_auth_touch after delete on sessions
      deferrable initially deferred for each row execute function auth_touch()`,
    )
    .execute(db);
  // An update moves it unless it only extends the session (a later expiry, a later last use).
  await sql
    .raw(
      `create constraint trigger sessions_auth_change after update on sessions
      deferrable initially deferred for each row
      when ((new.id, new.user_id, new.csrf_token, new.mfa_enrolment_pending)
              is distinct from (old.id, old.user_id, old.csrf_token, old.mfa_enrolment_pending)
            or new.expires_at < old.expires_at)
      execute function auth_touch()`,
    )
    .execute(db);
  await sql
    .raw(
      `create constraint trigger users_auth_touch after update or delete on users
      deferrable initially deferred for each row execute function auth_touch()`,
    )
    .execute(db);
  for (const table of ['sessions', 'users'])
    await sql
      .raw(
        `create trigger ${table}_auth_truncate after truncate on ${table}
        for each statement execute function auth_touch()`,
      )
      .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw(`drop trigger if exists sessions_auth_change on sessions`).execute(db);
  for (const table of ['sessions', 'users']) {
    await sql.raw(`drop trigger if exists ${table}_auth_truncate on ${table}`).execute(db);
    await sql.raw(`drop trigger if exists ${table}_auth_touch on ${table}`).execute(db);
  }
  await sql`drop function if exists auth_touch()`.execute(db);
  await sql`drop table if exists auth_version`.execute(db);
}
