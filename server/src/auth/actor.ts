import type { Role } from '@consult/shared';

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
}
