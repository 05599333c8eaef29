import { describe, expect, it } from 'vitest';
import { can, Permission, ROLE_PERMISSIONS } from './permissions';
import { ROLES } from './roles';

describe('permission table', () => {
  it('gives every role an entry and only known permissions', () => {
    const known = new Set(Object.values(Permission));
    for (const r of ROLES) for (const p of ROLE_PERMISSIONS[r]) expect(known.has(p)).toBe(true);
  });
  it('keeps patient data away from network administrators', () => {
    for (const r of ['program_admin', 'sys_admin'] as const) {
      expect(can(r, Permission.PatientsRead)).toBe(false);
      expect(can(r, Permission.StudiesRead)).toBe(false);
      expect(can(r, Permission.ConsultationsRead)).toBe(false);
    }
  });
  it('lets only county doctors open requests and only specialists triage', () => {
    expect(ROLES.filter((r) => can(r, Permission.ConsultationsCreate))).toEqual(['county_doctor']);
    expect(ROLES.filter((r) => can(r, Permission.ConsultationsTriage))).toEqual(['specialist']);
    expect(ROLES.filter((r) => can(r, Permission.AuditRead))).toEqual(['sys_admin']);
  });
  it("lets exactly the users' administrators revoke another signer's key", () => {
    const admins = ROLES.filter((r) => can(r, Permission.UsersManage));
    expect(admins).toEqual(['program_admin', 'sys_admin']);
    expect(ROLES.filter((r) => can(r, Permission.SignersRevoke))).toEqual(admins);
  });
});
