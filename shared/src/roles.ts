/** The five roles of the platform. County doctors ask, specialists and radiologists answer, admins run the network. */
export const ROLES = ['county_doctor', 'specialist', 'radiologist', 'program_admin', 'sys_admin'] as const;
export type Role = (typeof ROLES)[number];

export const HOSPITAL_TIERS = ['tertiary', 'county'] as const;
export type HospitalTier = (typeof HOSPITAL_TIERS)[number];

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/** Roles whose users work with patient data (clinical roles). Admin roles see only aggregates and the network. */
export const CLINICAL_ROLES: readonly Role[] = ['county_doctor', 'specialist', 'radiologist'];
export const isClinical = (role: Role): boolean => CLINICAL_ROLES.includes(role);
