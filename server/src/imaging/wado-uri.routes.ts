import type { FastifyInstance } from 'fastify';
import { Permission } from '@consult/shared';
import { actorOf } from '../auth/plugin';
import { badRequest, DomainError } from '../errors';
import type { ImagingDeps } from './dicomweb.routes';
import { auditView, resolveInstances } from './wado';

const UID = { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)*$', maxLength: 64 } as const;

/** WADO-URI (PS3.18 ch. 9): `/wado?requestType=WADO&studyUID=…&seriesUID=…&objectUID=…` → the Part 10 file. */
export async function wadoUriRoutes(app: FastifyInstance, deps: ImagingDeps): Promise<void> {
  app.get(
    '/',
    {
      preHandler: app.guard(Permission.StudiesRead),
      schema: {
        tags: ['dicomweb'],
        querystring: {
          type: 'object',
          required: ['requestType', 'studyUID', 'seriesUID', 'objectUID'],
          properties: {
            requestType: { type: 'string' },
            studyUID: UID,
            seriesUID: UID,
            objectUID: UID,
            contentType: { type: 'string' },
            frame: { type: 'string' },
            transferSyntax: { type: 'string' },
          },
        },
      },
    },
    async (req, reply) => {
      const qs = req.query as {
        requestType: string;
        studyUID: string;
        seriesUID: string;
        objectUID: string;
        contentType?: string;
      };
      if (qs.requestType !== 'WADO') throw badRequest('requestType must be WADO', '/query/requestType');
      const ct = qs.contentType ?? 'application/dicom';
      if (!ct.split(',').some((c) => c.trim().split(';')[0] === 'application/dicom')) {
        throw new DomainError(
          'unsupported_media_type',
          `only contentType=application/dicom is served (got ${ct})`,
        );
      }
      const actor = actorOf(req);
      const { study, rows } = await resolveInstances(app.db, actor, qs.studyUID, qs.seriesUID, qs.objectUID);
      await auditView(app.db, actor, study.id, 'wado-uri');
      const r = rows[0]!;
      return reply
        .type('application/dicom')
        .header('content-length', String(Number(r.size)))
        .header('cache-control', 'private, max-age=3600')
        .send(deps.store.stream(r.sha256));
    },
  );
}
