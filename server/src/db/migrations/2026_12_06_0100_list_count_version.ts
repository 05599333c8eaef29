import { sql, type Kysely } from 'kysely';

/**
 * Frozen in time: never import app code here.
 * The data version of migration 2026_12_03_1560_lists_scale (`dashboard_version.v`) also versions the consultation
 * list's capped counts (consultations/list-count-cache.ts). Who may read a case is derived from `consultations`
 * (watched already) and `care_team_members` (not read by the dashboard, watched from here on); the actor's hospital
 * and role come from the session and are part of the cached count's key. Same deferred constraint trigger, same
 * function: v moves once per transaction that changed a watched row.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create constraint trigger care_team_members_dashboard_touch
    after insert or update or delete on care_team_members
    deferrable initially deferred for each row execute function dashboard_touch()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists care_team_members_dashboard_touch on care_team_members`.execute(db);
}
