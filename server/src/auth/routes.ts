import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  ChangePasswordBody,
  DEVICE_COOKIE,
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
      const { cookieToken, actor, rememberToken } = await auth.login(
        app.db,
        config,
        req.body.username,
        req.body.password,
        req.ip,
        {
          code: req.body.code,
          rememberDevice: req.body.rememberDevice,
          deviceToken: req.cookies[DEVICE_COOKIE],
          userAgent: req.headers['user-agent'] ?? '',
        },
      );
      reply.setCookie(SESSION_COOKIE, cookieToken, { ...cookieOpts, maxAge: config.sessionTtlHours * 3600 });
      if (rememberToken) {
        reply.setCookie(DEVICE_COOKIE, rememberToken, {
          ...cookieOpts,
          path: '/api/auth/login',
          sameSite: 'strict',
          maxAge: config.security.mfaRememberDays * 86400,
        });
      }
      return auth.me(app.db, config, actor);
    },
  );

  app.post(
    '/logout',
    {
      preHandler: app.guard(),
      config: { mfaEnrolment: true },
      schema: { tags: ['auth'], response: { 200: OkResponse, ...errors } },
    },
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
      config: { mfaEnrolment: true },
      schema: { tags: ['auth'], summary: 'The signed-in user', response: { 200: Me, ...errors } },
    },
    async (req) => auth.me(app.db, config, actorOf(req)),
  );

  app.put(
    '/me/locale',
    {
      preHandler: app.guard(),
      config: { mfaEnrolment: true },
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
      await auth.changePassword(app.db, config, actor, req.body.currentPassword, req.body.newPassword);
      app.endSessions({ userId: actor.id, exceptSessionId: actor.sessionId });
      return { ok: true as const };
    },
  );
};

export default authRoutes;
