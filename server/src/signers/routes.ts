import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  IdParams,
  MySigningKey,
  Permission,
  SignerCa,
  SignerEnrol,
  SignerImport,
  SignerKey,
  SignerRevoke,
} from '@consult/shared';
import type { Config } from '../config';
import { errorResponses } from '../errors';
import { actorOf } from '../auth/plugin';
import * as svc from './service';

const tags = ['signers'];
const errors = errorResponses;
/** Enrolment runs scrypt and key generation: a few a minute per client. */
const slow = { rateLimit: { max: 30, timeWindow: '1 minute' } };

/** The signer's own report signing key (/api/signers/me) and the internal CA root (/api/signers/ca). */
const signerRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const P = Permission;
  const ctx = (): svc.SignersCtx => ({ db: app.db, config });

  app.get(
    '/signers/ca',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'The internal signer CA root certificate (trust it to verify signer certificates)',
        response: { 200: SignerCa },
      },
    },
    async () => svc.internalCaRoot(app.db, config),
  );
  app.get(
    '/signers/me',
    {
      preHandler: app.guard(P.ReportsSign),
      schema: { tags, summary: 'My signing key and certificate', response: { 200: MySigningKey, ...errors } },
    },
    async (req) => svc.mySigningKey(ctx(), actorOf(req)),
  );
  app.post(
    '/signers/me/enrol',
    {
      preHandler: app.guard(P.ReportsSign),
      config: slow,
      schema: {
        tags,
        summary: 'Generate my signing key (sealed under my PIN), certified by the internal CA',
        body: SignerEnrol,
        response: { 200: SignerKey, ...errors },
      },
    },
    async (req) => svc.enrol(ctx(), actorOf(req), req.body.pin),
  );
  app.post(
    '/signers/me/import',
    {
      preHandler: app.guard(P.ReportsSign),
      config: slow,
      schema: {
        tags,
        summary: "Import my certificate and key from the hospital CA's PKCS#12 file",
        body: SignerImport,
        response: { 200: SignerKey, ...errors },
      },
    },
    async (req) => svc.importPkcs12(ctx(), actorOf(req), req.body),
  );
  app.post(
    '/signers/keys/:id/revoke',
    {
      preHandler: app.guard(P.ReportsSign),
      schema: {
        tags,
        summary: 'Revoke my signing key (signatures made before stay valid)',
        params: IdParams,
        body: SignerRevoke,
        response: { 200: SignerKey, ...errors },
      },
    },
    async (req) => svc.revoke(ctx(), actorOf(req), req.params.id, req.body.reason),
  );
};

export default signerRoutes;
