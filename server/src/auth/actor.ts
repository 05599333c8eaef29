import { SERVICE_CLIENT_ROLE, type ActorRole, type Permission, type Role } from '@consult/shared';
import { forbidden } from '../errors';
import type { Executor } from '../db/database';
import { findActorUser } from './queries';

/**
 * Who is making a request, as every service sees it: a signed-in user (session cookie), or a service client
 * (OAuth 2.0 bearer token; role `service_client`, id = its client_id) which the access policy treats as a clinician
 * of its hospital limited to `granted`.
 */
export interface Actor {
  id: string;
  username: string;
  displayName: string;
  role: ActorRole;
  hospitalId: string | null;
  departmentId: string | null;
  sessionId: string;
  csrfToken: string;
  ip: string | null;
  /** Present exactly when a service client acts through a bearer token: the permissions the token carries. */
  granted?: readonly Permission[];
  /** Signed in by password, but the role requires a second factor not yet enrolled: only enrolment is open. */
  mfaEnrolmentPending?: boolean;
}

/**
 * The user to name in a `…_by` column (references users): null for a service client, which the audit entry of the
 * same change names instead.
 */
export const uploaderId = (a: Actor): string | null => (a.granted ? null : a.id);

/** The role of a user; a service client is refused (the routes that ask are for people only). */
export function userRole(a: Actor): Role {
  if (a.role === SERVICE_CLIENT_ROLE) throw forbidden('not open to service clients');
  return a.role;
}

/** A user acting outside an HTTP request (seeding, command-line tools, tests): no session, no IP. */
export async function offlineActor(db: Executor, who: { id: string } | { username: string }): Promise<Actor> {
  const u = await findActorUser(db, who);
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
