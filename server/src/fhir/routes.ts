/**
 * FHIR R4 read API at /fhir (application/fhir+json): read and search of Patient, Condition, ServiceRequest,
 * ImagingStudy, DiagnosticReport, Provenance, CarePlan, Organization (fhir:read: clinicians by session, service
 * clients by bearer token) and AuditEvent (audit:read: the system administrator); CapabilityStatement at
 * /fhir/metadata. Scoped by the one access policy: another hospital's resource is 404, absent from searches.
 * Every read and search is audited; every error is an OperationOutcome.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { ERROR_STATUS, Permission } from '@consult/shared';
import { actorOf } from '../auth/plugin';
import { auditRead, flushReadAudits } from '../consultations/read-audit';
import { DomainError, isDatabaseUnavailable } from '../errors';
import { capabilityStatement } from './capability';
import { pageLinks } from './paging';
import { FINDERS, type Query } from './service';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const ISSUE_CODE: Record<string, string> = {
  validation: 'invalid',
  unauthenticated: 'login',
  csrf: 'security',
  forbidden: 'forbidden',
  not_found: 'not-found',
  unavailable: 'transient',
};

const outcome = (code: string, text: string, severity: 'error' | 'fatal' = 'error'): OperationOutcome => ({
  resourceType: 'OperationOutcome',
  issue: [{ severity, code: code as 'invalid', details: { text } }],
});

export const fhirBase = (req: FastifyRequest) => `${req.protocol}://${req.headers.host ?? 'localhost'}`;
const send = (reply: FastifyReply, status: number, body: Resource) =>
  reply.code(status).type(FHIR_JSON).send(JSON.stringify(body));

export default async function fhirRoutes(app: FastifyInstance): Promise<void> {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof DomainError)
      return send(reply, ERROR_STATUS[err.code], outcome(ISSUE_CODE[err.code] ?? 'processing', err.message));
    if (isDatabaseUnavailable(err))
      return send(reply, 503, outcome('transient', 'the database is unavailable; try again shortly'));
    if (err.validation || (err.statusCode && err.statusCode < 500))
      return send(reply, err.statusCode ?? 400, outcome('invalid', err.message));
    req.log.error({ err }, 'fhir request failed');
    return send(reply, 500, outcome('exception', 'internal error; it has been logged', 'fatal'));
  });
  app.setNotFoundHandler((req, reply) =>
    send(reply, 404, outcome('not-supported', `no FHIR interaction ${req.method} ${req.url.split('?')[0]}`)),
  );

  app.get('/metadata', { config: { public: true }, schema: { tags: ['fhir'] } }, async (req, reply) =>
    send(reply, 200, capabilityStatement(fhirBase(req))),
  );

  for (const [type, find] of Object.entries(FINDERS)) {
    const preHandler = app.guard(type === 'AuditEvent' ? Permission.AuditRead : Permission.FhirRead);
    const schema = { tags: ['fhir'], summary: `${type}: search` };
    app.get(`/${type}`, { preHandler, schema }, async (req, reply) => {
      const actor = actorOf(req);
      const query = req.query as Query;
      // The audit trail as it stands: the reads still queued for the chain first (as the audit log does).
      if (type === 'AuditEvent') await flushReadAudits(app.db);
      const found = await find(app.db, actor, query, fhirBase(req));
      await auditRead(app.db, {
        actor,
        action: 'fhir.search',
        entityType: 'fhir',
        entityId: type,
        ip: actor.ip,
        detail: { matches: found.match.length, total: found.total, params: Object.keys(query).sort() },
      });
      const base = fhirBase(req);
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'searchset',
        total: found.total,
        link: pageLinks(base, req.url, found.total),
        entry: [
          ...found.match.map((r) => ({
            fullUrl: `${base}/fhir/${r.resourceType}/${r.id}`,
            resource: r,
            search: { mode: 'match' as const },
          })),
          ...found.include.map((r) => ({
            fullUrl: `${base}/fhir/${r.resourceType}/${r.id}`,
            resource: r,
            search: { mode: 'include' as const },
          })),
        ],
      };
      return send(reply, 200, bundle);
    });
    app.get(
      `/${type}/:id`,
      {
        preHandler,
        schema: {
          tags: ['fhir'],
          summary: `${type}: read`,
          params: {
            type: 'object',
            properties: { id: { type: 'string', pattern: '^[A-Za-z0-9\\-.]{1,64}$' } },
          },
        },
      },
      async (req, reply) => {
        const actor = actorOf(req);
        const { id } = req.params as { id: string };
        const uuidLike = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(-v\d+)?$/i.test(id);
        const numeric = type === 'AuditEvent' && /^\d{1,15}$/.test(id);
        if (numeric) await flushReadAudits(app.db);
        const found =
          uuidLike || numeric ? await find(app.db, actor, {}, fhirBase(req), [id.toLowerCase()]) : null;
        const resource = found?.match[0];
        await auditRead(app.db, {
          actor,
          action: 'fhir.read',
          entityType: 'fhir',
          entityId: `${type}/${id}`,
          outcome: resource ? 'success' : 'failure',
          ip: actor.ip,
        });
        if (!resource) throw new DomainError('not_found', `${type}/${id} not found`);
        return send(reply, 200, resource);
      },
    );
  }
}
