import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  CaseCreate,
  CaseParams,
  CaseUpdate,
  FollowUpCreate,
  IdParams,
  PatientCreate,
  PatientDetail,
  PatientPage,
  PatientQuery,
  PatientUpdate,
  OverdueList,
  OverdueQuery,
  Permission,
} from '@consult/shared';
import { errorResponses } from '../errors';
import { actorOf } from '../auth/plugin';
import * as svc from './service';
import * as followUps from './follow-ups';

const errors = errorResponses;

/** Patient files: patients, cases (one disease, one file) with their treatment plan, follow-ups. */
const patientRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const P = Permission;
  const tags = ['patients'];
  app.get(
    '/patients',
    {
      preHandler: app.guard(P.PatientsRead),
      schema: { tags, querystring: PatientQuery, response: { 200: PatientPage, ...errors } },
    },
    async (req) => svc.listPatients(app.db, actorOf(req), req.query),
  );
  app.post(
    '/patients',
    {
      preHandler: app.guard(P.PatientsWrite),
      schema: { tags, body: PatientCreate, response: { 201: PatientDetail, ...errors } },
    },
    async (req, reply) => reply.code(201).send(await svc.createPatient(app.db, actorOf(req), req.body)),
  );
  app.get(
    '/follow-ups/overdue',
    {
      preHandler: app.guard(P.PatientsRead),
      schema: { tags, querystring: OverdueQuery, response: { 200: OverdueList, ...errors } },
    },
    async (req) => followUps.listOverdue(app.db, actorOf(req), req.query),
  );
  app.get(
    '/patients/:id',
    {
      preHandler: app.guard(P.PatientsRead),
      schema: { tags, params: IdParams, response: { 200: PatientDetail, ...errors } },
    },
    async (req) => svc.getPatient(app.db, actorOf(req), req.params.id),
  );
  app.patch(
    '/patients/:id',
    {
      preHandler: app.guard(P.PatientsWrite),
      schema: { tags, params: IdParams, body: PatientUpdate, response: { 200: PatientDetail, ...errors } },
    },
    async (req) => svc.updatePatient(app.db, actorOf(req), req.params.id, req.body),
  );
  app.post(
    '/patients/:id/cases',
    {
      preHandler: app.guard(P.PatientsWrite),
      schema: { tags, params: IdParams, body: CaseCreate, response: { 201: PatientDetail, ...errors } },
    },
    async (req, reply) =>
      reply.code(201).send(await svc.createCase(app.db, actorOf(req), req.params.id, req.body)),
  );
  app.patch(
    '/patients/:id/cases/:caseId',
    {
      preHandler: app.guard(P.PatientsWrite),
      schema: { tags, params: CaseParams, body: CaseUpdate, response: { 200: PatientDetail, ...errors } },
    },
    async (req) => svc.updateCase(app.db, actorOf(req), req.params.id, req.params.caseId, req.body),
  );
  app.post(
    '/patients/:id/cases/:caseId/follow-ups',
    {
      preHandler: app.guard(P.PatientsWrite),
      schema: { tags, params: CaseParams, body: FollowUpCreate, response: { 201: PatientDetail, ...errors } },
    },
    async (req, reply) =>
      reply
        .code(201)
        .send(await followUps.addFollowUp(app.db, actorOf(req), req.params.id, req.params.caseId, req.body)),
  );
};

export default patientRoutes;
