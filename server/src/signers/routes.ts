import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  AdminSignerKey,
  IdParams,
  MySigningKey,
  Permission,
  SignerCa,
  SignerEnrol,
  SignerImport,
  SignerKey,
  SignerAlgorithm,
  SignerRevoke,
} from '@consult/shared';
import type { Config } from '../config';
import { errorResponses } from '../errors';
import { actorOf } from '../auth/plugin';
import * as svc from './service';
import * as revocation from './revocation';
import { CRL_VALIDITY_DAYS } from './crl';

const tags = ['signers'];
const errors = errorResponses;
/** Enrolment runs scrypt and key generation: a few a minute per client. */
const slow = { rateLimit: { max: 30, timeWindow: '1 minute' } };

/**
 * The signer's own report signing key (/api/signers/me), the internal CA root and its CRL (/api/signers/ca, public),
 * and the users' administrators' view of signers' keys (/api/signers/keys, revoke on a doctor's behalf).
 */
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
    '/signers/ca/crl',
    {
      config: { public: true },
      schema: {
        tags,
        summary: `The internal signer CA's CRL (X.509 v2, DER, application/pkix-crl; nextUpdate ${CRL_VALIDITY_DAYS} days on)`,
        querystring: Type.Object(
          { algorithm: Type.Optional(SignerAlgorithm) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'the CRL, DER' }),
          ...errors,
        },
      },
    },
    async (req, reply) =>
      reply
        .type('application/pkix-crl')
        .header('content-disposition', 'attachment; filename="signer-ca.crl"')
        .send(await revocation.internalCrl(ctx(), req.query.algorithm)),
  );
  app.get(
    '/signers/keys',
    {
      preHandler: app.guard(P.SignersRevoke),
      schema: {
        tags,
        summary: 'The active signing keys of the users I administer',
        response: { 200: Type.Array(AdminSignerKey), ...errors },
      },
    },
    async (req) => revocation.activeKeysForAdmin(ctx(), actorOf(req)),
  );
  app.post(
    '/signers/keys/:id/admin-revoke',
    {
      preHandler: app.guard(P.SignersRevoke),
      schema: {
        tags,
        summary:
          "Revoke a signer's key as their users' administrator (left, or lost device or PIN); signatures made before stay valid",
        params: IdParams,
        body: SignerRevoke,
        response: { 200: SignerKey, ...errors },
      },
    },
    async (req) => revocation.revokeAsAdmin(ctx(), actorOf(req), req.params.id, req.body),
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
    async (req) => revocation.revokeOwn(ctx(), actorOf(req), req.params.id, req.body),
  );
};

export default signerRoutes;
