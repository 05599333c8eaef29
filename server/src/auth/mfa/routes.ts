import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  ErrorResponse,
  OkResponse,
  RecoveryCodes,
  SessionIdParams,
  SessionList,
  TotpCodeBody,
  TotpSetup,
} from '@consult/shared';
import { actorOf } from '../plugin';
import * as mfa from './service';

const errors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
};
/** Guessing six digits: a few tries a minute per client, also for a signed-in session. */
const codeRateLimit = { rateLimit: { max: 10, timeWindow: '1 minute' } };

/** The second factor (TOTP enrolment, recovery codes) and the user's own sessions, under /api/auth. */
const mfaRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/totp/setup',
    {
      preHandler: app.guard(),
      config: { mfaEnrolment: true },
      schema: {
        tags: ['auth'],
        summary: 'Start enrolling an authenticator app',
        response: { 200: TotpSetup, ...errors },
      },
    },
    async (req) => mfa.setupTotp(app.db, actorOf(req)),
  );

  app.post(
    '/totp/confirm',
    {
      preHandler: app.guard(),
      config: { mfaEnrolment: true, ...codeRateLimit },
      schema: {
        tags: ['auth'],
        summary: 'Confirm the authenticator app with a code; returns recovery codes once',
        body: TotpCodeBody,
        response: { 200: RecoveryCodes, ...errors },
      },
    },
    async (req) => mfa.confirmTotp(app.db, actorOf(req), req.body.code),
  );

  app.post(
    '/totp/recovery-codes',
    {
      preHandler: app.guard(),
      config: codeRateLimit,
      schema: {
        tags: ['auth'],
        summary: 'New recovery codes (the old ones stop working)',
        body: TotpCodeBody,
        response: { 200: RecoveryCodes, ...errors },
      },
    },
    async (req) => mfa.regenerateRecoveryCodes(app.db, actorOf(req), req.body.code),
  );

  app.get(
    '/sessions',
    {
      preHandler: app.guard(),
      config: { mfaEnrolment: true },
      schema: { tags: ['auth'], summary: 'My signed-in sessions', response: { 200: SessionList, ...errors } },
    },
    async (req) => ({ items: await mfa.ownSessions(app.db, actorOf(req)) }),
  );

  app.delete(
    '/sessions/:id',
    {
      preHandler: app.guard(),
      config: { mfaEnrolment: true },
      schema: {
        tags: ['auth'],
        summary: 'End one of my sessions (signs that browser out now)',
        params: SessionIdParams,
        response: { 200: OkResponse, ...errors },
      },
    },
    async (req) => {
      await mfa.endOwnSession(app.db, actorOf(req), req.params.id);
      app.endSessions({ sessionId: req.params.id });
      return { ok: true as const };
    },
  );

  app.delete(
    '/devices',
    {
      preHandler: app.guard(),
      schema: {
        tags: ['auth'],
        summary: 'Forget every browser remembered for the second factor',
        response: { 200: OkResponse, ...errors },
      },
    },
    async (req) => {
      await mfa.forgetDevices(app.db, actorOf(req).id);
      return { ok: true as const };
    },
  );
};

export default mfaRoutes;
