import type { Config } from '../config';
import * as credentials from './credentials';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  Department,
  DepartmentCreate,
  Hospital,
  HospitalCreate,
  HospitalUpdate,
  IdParams,
  OkResponse,
  Pairing,
  PairingCreate,
  PairingUpdate,
  PasswordReset,
  Permission,
  User,
  UserCreate,
  UserQuery,
  UserUpdate,
} from '@consult/shared';
import { errorResponses } from '../errors';
import { actorOf } from '../auth/plugin';
import * as svc from './service';

const errors = errorResponses;

/** The hospital network: hospitals, departments, pairings and user accounts (program administration). */
const networkRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const P = Permission;

  app.get(
    '/hospitals',
    {
      preHandler: app.guard(P.HospitalsRead),
      schema: {
        tags: ['network'],
        summary: 'Hospitals visible to me',
        response: { 200: Type.Array(Hospital), ...errors },
      },
    },
    async (req) => svc.listHospitals(app.db, actorOf(req)),
  );
  app.get(
    '/hospitals/:id',
    {
      preHandler: app.guard(P.HospitalsRead),
      schema: { tags: ['network'], params: IdParams, response: { 200: Hospital, ...errors } },
    },
    async (req) => svc.getHospital(app.db, actorOf(req), req.params.id),
  );
  app.post(
    '/hospitals',
    {
      preHandler: app.guard(P.HospitalsManage),
      schema: { tags: ['network'], body: HospitalCreate, response: { 201: Hospital, ...errors } },
    },
    async (req, reply) => reply.code(201).send(await svc.createHospital(app.db, actorOf(req), req.body)),
  );
  app.patch(
    '/hospitals/:id',
    {
      preHandler: app.guard(P.HospitalsManage),
      schema: {
        tags: ['network'],
        params: IdParams,
        body: HospitalUpdate,
        response: { 200: Hospital, ...errors },
      },
    },
    async (req) => svc.updateHospital(app.db, actorOf(req), req.params.id, req.body),
  );

  app.get(
    '/hospitals/:id/departments',
    {
      preHandler: app.guard(P.HospitalsRead),
      schema: { tags: ['network'], params: IdParams, response: { 200: Type.Array(Department), ...errors } },
    },
    async (req) => svc.listDepartments(app.db, actorOf(req), req.params.id),
  );
  app.post(
    '/hospitals/:id/departments',
    {
      preHandler: app.guard(P.HospitalsManage),
      schema: {
        tags: ['network'],
        params: IdParams,
        body: DepartmentCreate,
        response: { 201: Department, ...errors },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await svc.createDepartment(app.db, actorOf(req), req.params.id, req.body)),
  );

  app.get(
    '/pairings',
    {
      preHandler: app.guard(P.HospitalsRead),
      schema: {
        tags: ['network'],
        summary: 'Counterpart-support pairings',
        response: { 200: Type.Array(Pairing), ...errors },
      },
    },
    async (req) => svc.listPairings(app.db, actorOf(req)),
  );
  app.post(
    '/pairings',
    {
      preHandler: app.guard(P.PairingsManage),
      schema: { tags: ['network'], body: PairingCreate, response: { 201: Pairing, ...errors } },
    },
    async (req, reply) => reply.code(201).send(await svc.createPairing(app.db, actorOf(req), req.body)),
  );
  app.patch(
    '/pairings/:id',
    {
      preHandler: app.guard(P.PairingsManage),
      schema: {
        tags: ['network'],
        params: IdParams,
        body: PairingUpdate,
        response: { 200: Pairing, ...errors },
      },
    },
    async (req) => svc.updatePairing(app.db, actorOf(req), req.params.id, req.body),
  );

  app.get(
    '/users',
    {
      preHandler: app.guard(P.UsersRead),
      schema: { tags: ['network'], querystring: UserQuery, response: { 200: Type.Array(User), ...errors } },
    },
    async (req) => svc.listUsers(app.db, req.query),
  );
  app.post(
    '/users',
    {
      preHandler: app.guard(P.UsersManage),
      schema: { tags: ['network'], body: UserCreate, response: { 201: User, ...errors } },
    },
    async (req, reply) =>
      reply.code(201).send(await svc.createUser(app.db, config.security, actorOf(req), req.body)),
  );
  app.patch(
    '/users/:id',
    {
      preHandler: app.guard(P.UsersManage),
      schema: { tags: ['network'], params: IdParams, body: UserUpdate, response: { 200: User, ...errors } },
    },
    async (req) => {
      const user = await svc.updateUser(app.db, actorOf(req), req.params.id, req.body);
      // Their open sockets end with their sessions, on every node (sign-out, transfer to another role/hospital).
      if (req.body.disabled || req.body.role !== undefined || req.body.hospitalId !== undefined)
        app.endSessions({ userId: req.params.id });
      return user;
    },
  );
  app.post(
    '/users/:id/password',
    {
      preHandler: app.guard(P.UsersManage),
      schema: {
        tags: ['network'],
        summary: 'Reset a password',
        params: IdParams,
        body: PasswordReset,
        response: { 200: OkResponse, ...errors },
      },
    },
    async (req) => {
      await credentials.resetPassword(
        app.db,
        config.security,
        actorOf(req),
        req.params.id,
        req.body.password,
      );
      app.endSessions({ userId: req.params.id });
      return { ok: true as const };
    },
  );
  app.delete(
    '/users/:id/mfa',
    {
      preHandler: app.guard(P.UsersManage),
      schema: {
        tags: ['network'],
        summary:
          "Reset a user's second factor (lost phone and recovery codes): they enrol again at next sign-in",
        params: IdParams,
        response: { 200: OkResponse, ...errors },
      },
    },
    async (req) => {
      await credentials.resetSecondFactor(app.db, actorOf(req), req.params.id);
      app.endSessions({ userId: req.params.id });
      return { ok: true as const };
    },
  );
};

export default networkRoutes;
