import { Type, type Static } from '@sinclair/typebox';
import { IsoDate, Uuid } from './common';

/** The program dashboard's filter: a date range (UTC days, inclusive) and an optional program/pairing/county. */
export const DashboardQuery = Type.Object({
  from: IsoDate,
  to: IsoDate,
  programName: Type.Optional(Type.String({ maxLength: 200 })),
  pairingId: Type.Optional(Uuid),
  countyHospitalId: Type.Optional(Uuid),
});
export type DashboardQuery = Static<typeof DashboardQuery>;

const Hours = Type.Union([Type.Number(), Type.Null()]);

/**
 * Figures of one group. Consultations count by submission time in the range; hours to report run from submission
 * to the first signature; rounds count when ended and started in the range, for the county hospitals invited.
 */
export const DashboardMetrics = Type.Object({
  consultations: Type.Integer(),
  slaBreaches: Type.Integer(),
  medianHoursToReport: Hours,
  p90HoursToReport: Hours,
  reportsSigned: Type.Integer(),
  reportsAcknowledged: Type.Integer(),
  patientsServed: Type.Integer(),
  povertyPatientsServed: Type.Integer(),
  roundsHeld: Type.Integer(),
  roundHours: Type.Number(),
  teachingRecordings: Type.Integer(),
});
export type DashboardMetrics = Static<typeof DashboardMetrics>;

export const DashboardCount = Type.Object({ key: Type.String(), count: Type.Integer() });
export type DashboardCount = Static<typeof DashboardCount>;

export const DashboardMonth = Type.Object({
  month: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}$' }),
  consultations: Type.Integer(),
  reportsSigned: Type.Integer(),
  roundsHeld: Type.Integer(),
});
export type DashboardMonth = Static<typeof DashboardMonth>;

export const DashboardCountyRow = Type.Intersect([
  Type.Object({ countyHospitalId: Uuid, nameZh: Type.String(), nameEn: Type.String() }),
  DashboardMetrics,
]);
export type DashboardCountyRow = Static<typeof DashboardCountyRow>;

export const DashboardPairingRow = Type.Intersect([
  Type.Object({
    pairingId: Uuid,
    programName: Type.String(),
    tertiaryNameZh: Type.String(),
    tertiaryNameEn: Type.String(),
    countyNameZh: Type.String(),
    countyNameEn: Type.String(),
  }),
  DashboardMetrics,
]);
export type DashboardPairingRow = Static<typeof DashboardPairingRow>;

export const DashboardProgramRow = Type.Intersect([
  Type.Object({ programName: Type.String() }),
  DashboardMetrics,
]);
export type DashboardProgramRow = Static<typeof DashboardProgramRow>;

export const Dashboard = Type.Object({
  from: IsoDate,
  to: IsoDate,
  totals: DashboardMetrics,
  byType: Type.Array(DashboardCount),
  byState: Type.Array(DashboardCount),
  byMonth: Type.Array(DashboardMonth),
  programs: Type.Array(DashboardProgramRow),
  pairings: Type.Array(DashboardPairingRow),
  counties: Type.Array(DashboardCountyRow),
});
export type Dashboard = Static<typeof Dashboard>;

/** Filter choices: programs and pairings (with the county hospitals they cover). */
export const DashboardFilters = Type.Object({
  programs: Type.Array(Type.String()),
  pairings: Type.Array(
    Type.Object({
      id: Uuid,
      programName: Type.String(),
      tertiaryNameZh: Type.String(),
      tertiaryNameEn: Type.String(),
      countyHospitalId: Uuid,
      countyNameZh: Type.String(),
      countyNameEn: Type.String(),
    }),
  ),
});
export type DashboardFilters = Static<typeof DashboardFilters>;

export const DASHBOARD_METRIC_KEYS = [
  'consultations',
  'slaBreaches',
  'medianHoursToReport',
  'p90HoursToReport',
  'reportsSigned',
  'reportsAcknowledged',
  'patientsServed',
  'povertyPatientsServed',
  'roundsHeld',
  'roundHours',
  'teachingRecordings',
] as const satisfies readonly (keyof DashboardMetrics)[];
