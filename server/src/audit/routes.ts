import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AuditEvent, AuditQuery, AuditVerifyResult, ErrorResponse, Permission } from '@consult/shared';
import { listEvents } from './queries';
import { verifyAuditChain } from './service';
import { flushReadAudits } from '../consultations/read-audit';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse };

/** Read and verify the audit trail (sys_admin). */
const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/audit',
    {
      preHandler: app.guard(Permission.AuditRead),
      schema: {
        tags: ['audit'],
        querystring: AuditQuery,
        response: { 200: Type.Array(AuditEvent), ...errors },
      },
    },
    async (req) => {
      // Read audits are appended in the background: the log shows every read made before this request.
      await flushReadAudits(app.db);
      const rows = await listEvents(app.db, req.query);
      return rows.map((r) => ({
        seq: r.seq,
        actorId: r.actor_id,
        actorRole: r.actor_role,
        hospitalId: r.hospital_id,
        action: r.action,
        entityType: r.entity_type,
        entityId: r.entity_id,
        outcome: r.outcome,
        ip: r.ip,
        at: new Date(r.at).toISOString(),
        hash: r.hash,
      }));
    },
  );
  app.get(
    '/audit/verify',
    {
      preHandler: app.guard(Permission.AuditRead),
      schema: {
        tags: ['audit'],
        summary: 'Check the hash chain',
        response: { 200: AuditVerifyResult, ...errors },
      },
    },
    async () => {
      await flushReadAudits(app.db);
      return verifyAuditChain(app.db);
    },
  );
};

export default auditRoutes;
