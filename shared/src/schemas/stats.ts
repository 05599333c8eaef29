import { Type, type Static } from '@sinclair/typebox';
import { IsoDate, Uuid } from './common';

export const StatsQuery = Type.Object({
  from: Type.Optional(IsoDate),
  /** Inclusive end date. */
  to: Type.Optional(IsoDate),
  pairingId: Type.Optional(Uuid),
  countyHospitalId: Type.Optional(Uuid),
});
export type StatsQuery = Static<typeof StatsQuery>;

const Hours = Type.Union([Type.Number(), Type.Null()]);

/** One counterpart-support pairing (tertiary × county) over the date range (requests submitted in it). */
export const PairingStats = Type.Object({
  tertiaryHospitalId: Uuid,
  tertiaryNameZh: Type.String(),
  tertiaryNameEn: Type.String(),
  countyHospitalId: Uuid,
  countyNameZh: Type.String(),
  countyNameEn: Type.String(),
  total: Type.Integer(),
  byType: Type.Record(Type.String(), Type.Integer()),
  byUrgency: Type.Record(Type.String(), Type.Integer()),
  byState: Type.Record(Type.String(), Type.Integer()),
  medianHoursToAccept: Hours,
  p90HoursToAccept: Hours,
  medianHoursToReport: Hours,
  p90HoursToReport: Hours,
  slaBreaches: Type.Integer(),
  povertyPatientsServed: Type.Integer(),
});
export type PairingStats = Static<typeof PairingStats>;

export const ProgramStats = Type.Object({
  from: Type.Union([IsoDate, Type.Null()]),
  to: Type.Union([IsoDate, Type.Null()]),
  pairings: Type.Array(PairingStats),
  /** Totals per county hospital across all tertiary partners. */
  counties: Type.Array(
    Type.Object({
      countyHospitalId: Uuid,
      nameZh: Type.String(),
      nameEn: Type.String(),
      total: Type.Integer(),
      slaBreaches: Type.Integer(),
      povertyPatientsServed: Type.Integer(),
      medianHoursToAccept: Hours,
      p90HoursToAccept: Hours,
    }),
  ),
});
export type ProgramStats = Static<typeof ProgramStats>;
