import type { Migration } from 'kysely/migration';
import * as foundation from './2026_11_25_0001_foundation';
import * as consultations from './2026_11_25_0100_consultations';
import * as imaging from './2026_11_25_0500_imaging';
import * as rounds from './2026_11_25_0600_rounds';
import * as reports from './2026_11_25_0700_reports';
import * as dashboard from './2026_11_25_0710_dashboard';
import * as careTeam from './2026_12_03_0100_care_team';
import * as imagingIdentity from './2026_12_03_0200_imaging_identity';
import * as imagingScan from './2026_12_03_1130_imaging_scan';
import * as hardening from './2026_12_03_0300_hardening';
import * as followUps from './2026_12_03_0400_follow_ups';
import * as annotationModel from './2026_12_03_1100_annotation_model';
import * as listKeyset from './2026_12_03_1100_list_keyset';
import * as secondFactor from './2026_12_03_0950_second_factor';
import * as serviceClients from './2026_12_03_1130_service_clients';
import * as signerKeys from './2026_12_03_1510_signer_keys';
import * as deploymentKeys from './2026_12_03_1580_deployment_keys';
import * as reportTimestamps from './2026_12_03_1520_report_timestamps';
import * as listsScale from './2026_12_03_1560_lists_scale';
import * as reportSignedPdfs from './2026_12_04_0100_report_signed_pdfs';
import * as signerRevocation from './2026_12_05_0100_signer_revocation';
import * as listCountVersion from './2026_12_06_0100_list_count_version';
import * as ingestFunctions from './2026_12_07_0100_ingest_functions';
import * as listVersionNotify from './2026_12_08_0100_list_version_notify';
import * as authVersion from './2026_12_09_0100_auth_version';
import * as fewerRoundTrips from './2026_12_10_0200_fewer_round_trips';
import * as ingestLookupsIndexed from './2026_12_11_0100_ingest_lookups_indexed';
import * as ingestLookupsLateral from './2026_12_12_0100_ingest_lookups_lateral';

/**
 * Every migration, by name. Names sort in the order they run (timestamp prefix). Each capability adds its
 * own file and one line here; migrations never import application code.
 */
export const migrations: Record<string, Migration> = {
  '2026_11_25_0001_foundation': foundation,
  '2026_11_25_0100_consultations': consultations,
  '2026_11_25_0500_imaging': imaging,
  '2026_11_25_0600_rounds': rounds,
  '2026_11_25_0700_reports': reports,
  '2026_11_25_0710_dashboard': dashboard,
  '2026_12_03_0100_care_team': careTeam,
  '2026_12_03_0200_imaging_identity': imagingIdentity,
  '2026_12_03_0300_hardening': hardening,
  '2026_12_03_0400_follow_ups': followUps,
  '2026_12_03_0950_second_factor': secondFactor,
  '2026_12_03_1100_annotation_model': annotationModel,
  '2026_12_03_1100_list_keyset': listKeyset,
  '2026_12_03_1130_imaging_scan': imagingScan,
  '2026_12_03_1130_service_clients': serviceClients,
  '2026_12_03_1510_signer_keys': signerKeys,
  '2026_12_03_1580_deployment_keys': deploymentKeys,
  '2026_12_03_1520_report_timestamps': reportTimestamps,
  '2026_12_03_1560_lists_scale': listsScale,
  '2026_12_04_0100_report_signed_pdfs': reportSignedPdfs,
  '2026_12_05_0100_signer_revocation': signerRevocation,
  '2026_12_06_0100_list_count_version': listCountVersion,
  '2026_12_07_0100_ingest_functions': ingestFunctions,
  '2026_12_08_0100_list_version_notify': listVersionNotify,
  '2026_12_09_0100_auth_version': authVersion,
  '2026_12_10_0200_fewer_round_trips': fewerRoundTrips,
  '2026_12_11_0100_ingest_lookups_indexed': ingestLookupsIndexed,
  '2026_12_12_0100_ingest_lookups_lateral': ingestLookupsLateral,
};
