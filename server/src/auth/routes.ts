import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  ChangePasswordBody,
  ErrorResponse,
  LocaleBody,
  LoginBody,
  Me,
  OkResponse,
  SESSION_COOKIE,
} from '@consult/shared';
import { isSecure, type Config } from '../config';
import { actorOf } from './plugin';
import * as auth from './service';

const errors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  429: ErrorResponse,
};

const authRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const cookieOpts = {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: isSecure(config),
  };

  app.post(
    '/login',
    {
      schema: { tags: ['auth'], summary: 'Sign in', body: LoginBody, response: { 200: Me, ...errors } },
      config: { public: true, rateLimit: { max: config.loginRateLimit, timeWindow: '1 minute' } },
    },
    async (req, reply) => {
      const { cookieToken, actor } = await auth.login(
        app.db,
        config,
        req.body.username,
        req.body.password,
        req.ip,
      );
      reply.setCookie(SESSION_COOKIE, cookieToken, { ...cookieOpts, maxAge: config.sessionTtlHours * 3600 });
      return auth.me(app.db, actor);
    },
  );

  app.post(
    '/logout',
    { preHandler: app.guard(), schema: { tags: ['auth'], response: { 200: OkResponse, ...errors } } },
    async (req, reply) => {
      const actor = actorOf(req);
      await auth.logout(app.db, actor);
      app.endSessions({ sessionId: actor.sessionId });
      reply.clearCookie(SESSION_COOKIE, cookieOpts);
      return { ok: true as const };
    },
  );

  app.get(
    '/me',
    {
      preHandler: app.guard(),
      schema: { tags: ['auth'], summary: 'The signed-in user', response: { 200: Me, ...errors } },
    },
    async (req) => auth.me(app.db, actorOf(req)),
  );

  app.put(
    '/me/locale',
    {
      preHandler: app.guard(),
      schema: { tags: ['auth'], body: LocaleBody, response: { 200: OkResponse, ...errors } },
    },
    async (req) => {
      await auth.setLocale(app.db, actorOf(req), req.body.locale);
      return { ok: true as const };
    },
  );

  app.put(
    '/me/password',
    {
      preHandler: app.guard(),
      schema: { tags: ['auth'], body: ChangePasswordBody, response: { 200: OkResponse, ...errors } },
    },
    async (req) => {
      const actor = actorOf(req);
      await auth.changePassword(app.db, actor, req.body.currentPassword, req.body.newPassword);
      app.endSessions({ userId: actor.id, exceptSessionId: actor.sessionId });
      return { ok: true as const };
    },
  );
};

export default authRoutes;
