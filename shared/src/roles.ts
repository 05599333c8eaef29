/** The five roles of the platform. County doctors ask, specialists and radiologists answer, admins run the network. */
export const ROLES = ['county_doctor', 'specialist', 'radiologist', 'program_admin', 'sys_admin'] as const;
export type Role = (typeof ROLES)[number];

export const HOSPITAL_TIERS = ['tertiary', 'county'] as const;
export type HospitalTier = (typeof HOSPITAL_TIERS)[number];

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/** Roles whose users work with patient data (clinical roles). Admin roles see only aggregates and the network. */
export const CLINICAL_ROLES: readonly Role[] = ['county_doctor', 'specialist', 'radiologist'];
export const isClinical = (role: ActorRole): boolean => (CLINICAL_ROLES as readonly string[]).includes(role);

/**
 * A service client (a machine: PACS, gateway, viewer deployment) acting through an OAuth 2.0 bearer token. The
 * access policy treats it as a clinician of its one hospital (its own patient files and studies, the cases its
 * hospital requested), never as a consultant, team member, triager or round participant, and only within the
 * permissions it was granted (shared/src/permissions.ts SERVICE_CLIENT_PERMISSIONS).
 */
export const SERVICE_CLIENT_ROLE = 'service_client' as const;
/** Who can act: a user's role, or a service client. */
export type ActorRole = Role | typeof SERVICE_CLIENT_ROLE;
/** Roles that stand as clinicians of their hospital: its own patient data and the cases it requested. */
export const HOSPITAL_CLINICIAN_ROLES: readonly ActorRole[] = [...CLINICAL_ROLES, SERVICE_CLIENT_ROLE];
