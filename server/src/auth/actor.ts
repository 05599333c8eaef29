import type { Role } from '@consult/shared';
import type { Executor } from '../db/database';

/** Who is making a request, as every service sees it. */
export interface Actor {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  hospitalId: string | null;
  departmentId: string | null;
  sessionId: string;
  csrfToken: string;
  ip: string | null;
  /** Signed in by password, but the role requires a second factor not yet enrolled: only enrolment is open. */
  mfaEnrolmentPending?: boolean;
}

/** A user acting outside an HTTP request (seeding, command-line tools, tests): no session, no IP. */
export async function offlineActor(db: Executor, who: { id: string } | { username: string }): Promise<Actor> {
  const q = db
    .selectFrom('users')
    .select(['id', 'username', 'display_name', 'role', 'hospital_id', 'department_id']);
  const u = await (
    'id' in who ? q.where('id', '=', who.id) : q.where('username', '=', who.username)
  ).executeTakeFirstOrThrow();
  return {
    id: u.id,
    username: u.username,
    displayName: u.display_name,
    role: u.role,
    hospitalId: u.hospital_id,
    departmentId: u.department_id,
    sessionId: '',
    csrfToken: '',
    ip: null,
  };
}
