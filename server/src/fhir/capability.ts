import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { DEFAULT_COUNT, MAX_COUNT } from './search';
import { SEARCH_PARAMS } from './service';

/** The CapabilityStatement of the read API (/fhir/metadata): what a client may read and search, and how to sign in. */
export function capabilityStatement(base: string): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-12-03',
    kind: 'instance',
    software: { name: 'consult-platform' },
    implementation: { description: 'Remote consultation platform FHIR R4 read API', url: `${base}/fhir` },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json'],
    rest: [
      {
        mode: 'server',
        documentation:
          `Searches are paged: _count (default ${DEFAULT_COUNT}, at most ${MAX_COUNT}; 0 = Bundle.total only), ` +
          '_offset, Bundle.total and link self/first/previous/next; _sort=date or -date (the default) on types ' +
          'searchable by date.',
        security: {
          cors: true,
          service: [
            {
              coding: [
                { system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'OAuth' },
              ],
            },
          ],
          description: `OAuth 2.0 client credentials at ${base}/oauth/token (bearer token), or a signed-in session`,
        },
        resource: Object.entries(SEARCH_PARAMS).map(([type, params]) => ({
          type: type as CapabilityStatementRestResource['type'],
          interaction: [{ code: 'read' as const }, { code: 'search-type' as const }],
          searchParam: [{ name: '_id', type: 'token' as const }, ...params],
          ...(['Condition', 'ServiceRequest', 'ImagingStudy', 'DiagnosticReport', 'CarePlan'].includes(type)
            ? { searchInclude: [`${type}:subject`] }
            : {}),
          ...(type === 'DiagnosticReport' ? { searchRevInclude: ['Provenance:target'] } : {}),
        })),
      },
    ],
  };
}
