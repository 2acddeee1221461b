import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/database.js';
import { changeHospital, createHospital, getHospital, listHospitals } from '../../services/hospitals.js';
import { errorResponses } from '../errors.js';
import { actorOf } from '../plugins/auth.js';
import { HospitalChangeSchema, HospitalCreateSchema, HospitalListSchema, HospitalParamsSchema, HospitalSchema } from '../schemas/hospitals.js';

const tags = ['registry'];
const security = [{ apiKey: [] }];

export const hospitalRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.post(
    '/hospitals',
    { schema: { tags, security, summary: 'register a designated hospital (admin)', body: HospitalCreateSchema, response: { 201: HospitalSchema, ...errorResponses(409) } } },
    async (req, reply) => reply.code(201).header('location', `/v1/hospitals/${req.body.code}`).send(await createHospital(db, actorOf(req), req.body)),
  );

  app.post(
    '/hospitals/:code/changes',
    {
      schema: {
        tags, security, summary: 'change level, region or name from a date, or end the designation (admin); history is kept',
        params: HospitalParamsSchema, body: HospitalChangeSchema,
        response: { 201: HospitalSchema, ...errorResponses(404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await changeHospital(db, actorOf(req), req.params.code, req.body)),
  );

  app.get(
    '/hospitals',
    { schema: { tags, security, summary: 'designated hospitals with their periods (admin, ops)', response: { 200: HospitalListSchema, ...errorResponses() } } },
    async () => ({ items: await listHospitals(db) }),
  );

  app.get(
    '/hospitals/:code',
    { schema: { tags, security, summary: 'one hospital with its periods (admin, ops)', params: HospitalParamsSchema, response: { 200: HospitalSchema, ...errorResponses(404) } } },
    async (req) => getHospital(db, req.params.code),
  );
};
