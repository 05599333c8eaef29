import { SERVICE_CLIENT_ROLE, type ActorRole, type Role } from './roles';

/**
 * Every action a guard can check. One table, used by the server's preHandlers and services and by the client
 * to hide controls. Scoping (which hospital's rows) is a separate question answered by the server's query layer.
 */
export const Permission = {
  // network administration
  HospitalsRead: 'hospitals:read',
  HospitalsManage: 'hospitals:manage',
  UsersRead: 'users:read',
  UsersManage: 'users:manage',
  PairingsManage: 'pairings:manage',
  AuditRead: 'audit:read',
  StatsRead: 'stats:read',
  /**
   * Revoke any signer's report signing key (a doctor who left, or lost the device or PIN), within the reach of
   * users administration (server: network scopeFor — the program and system administrators reach the whole
   * network). A signer revokes their own key with reports:sign.
   */
  SignersRevoke: 'signers:revoke',
  // patient files
  PatientsRead: 'patients:read',
  PatientsWrite: 'patients:write',
  PatientsReadNationalId: 'patients:read-national-id',
  // consultations
  ConsultationsCreate: 'consultations:create',
  ConsultationsRead: 'consultations:read',
  ConsultationsTriage: 'consultations:triage',
  ConsultationsAccept: 'consultations:accept',
  ConsultationsMessage: 'consultations:message',
  // reports
  ReportsWrite: 'reports:write',
  ReportsSign: 'reports:sign',
  ReportsAcknowledge: 'reports:acknowledge',
  // imaging
  StudiesUpload: 'studies:upload',
  StudiesRead: 'studies:read',
  AnnotationsWrite: 'annotations:write',
  // rounds
  RoundsCreate: 'rounds:create',
  RoundsJoin: 'rounds:join',
  RoundsRecord: 'rounds:record',
  RoundsPresent: 'rounds:present',
  // integration
  FhirRead: 'fhir:read',
  ServiceClientsManage: 'service-clients:manage',
} as const;
export type Permission = (typeof Permission)[keyof typeof Permission];

const P = Permission;
const clinicalCommon: Permission[] = [
  P.HospitalsRead,
  P.PatientsRead,
  P.ConsultationsRead,
  P.ConsultationsMessage,
  P.StudiesRead,
  P.AnnotationsWrite,
  P.RoundsJoin,
  P.RoundsPresent,
  P.FhirRead,
];

/** Who administers users administers their signing keys too: one rule, whoever may manage users. */
const usersAdmin: Permission[] = [P.UsersRead, P.UsersManage, P.SignersRevoke];

/** role × action. A role not listing an action may not do it anywhere. */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  county_doctor: [
    ...clinicalCommon,
    P.PatientsWrite,
    P.PatientsReadNationalId,
    P.ConsultationsCreate,
    P.ReportsAcknowledge,
    P.StudiesUpload,
  ],
  specialist: [
    ...clinicalCommon,
    P.ConsultationsTriage,
    P.ConsultationsAccept,
    P.ReportsWrite,
    P.ReportsSign,
    P.RoundsCreate,
    P.RoundsRecord,
    P.StudiesUpload,
  ],
  radiologist: [...clinicalCommon, P.ConsultationsAccept, P.ReportsWrite, P.ReportsSign, P.StudiesUpload],
  program_admin: [
    P.HospitalsRead,
    P.HospitalsManage,
    ...usersAdmin,
    P.PairingsManage,
    P.StatsRead,
    P.ServiceClientsManage,
  ],
  sys_admin: [
    P.HospitalsRead,
    P.HospitalsManage,
    ...usersAdmin,
    P.PairingsManage,
    P.StatsRead,
    P.AuditRead,
    P.ServiceClientsManage,
  ],
};

/**
 * What a service client may be granted (each client holds a subset, chosen when it is created): send studies,
 * read studies (DICOMweb, WADO-URI) and read the FHIR API — what a PACS, a gateway or a viewer needs, nothing else.
 */
export const SERVICE_CLIENT_PERMISSIONS: readonly Permission[] = [P.StudiesUpload, P.StudiesRead, P.FhirRead];

/**
 * May this role do `permission`? A service client's own grant narrows this further (`granted`: the permissions
 * of its token); a user's role table is the whole answer.
 */
export function can(role: ActorRole, permission: Permission, granted?: readonly Permission[]): boolean {
  const table = role === SERVICE_CLIENT_ROLE ? SERVICE_CLIENT_PERMISSIONS : ROLE_PERMISSIONS[role];
  return table.includes(permission) && (granted === undefined || granted.includes(permission));
}
