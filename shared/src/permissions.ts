import type { Role } from './roles';

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
];

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
    P.UsersRead,
    P.UsersManage,
    P.PairingsManage,
    P.StatsRead,
  ],
  sys_admin: [
    P.HospitalsRead,
    P.HospitalsManage,
    P.UsersRead,
    P.UsersManage,
    P.PairingsManage,
    P.StatsRead,
    P.AuditRead,
  ],
};

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}
