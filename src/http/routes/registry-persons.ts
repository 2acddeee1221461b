import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createPerson, getPerson, lookupPersons } from '../../services/persons.js';
import type { SettleDeps } from '../../services/settle.js';
import { errorResponses } from '../errors.js';
import { actorOf } from '../plugins/auth.js';
import { PersonCreateSchema, PersonIdParamsSchema, PersonLookupQuerySchema, PersonLookupSchema, PersonSchema } from '../schemas/persons.js';

const tags = ['persons'];
const security = [{ apiKey: [] }];

export const personRegistryRoutes: FastifyPluginAsyncTypebox<SettleDeps> = async (app, deps) => {
  app.get(
    '/persons',
    {
      schema: {
        tags, security, summary: 'look a patient up by ID-card number (HIS): person id, masked name, identities valid today; logged as an access',
        querystring: PersonLookupQuerySchema, response: { 200: PersonLookupSchema, ...errorResponses() },
      },
    },
    async (req) => lookupPersons(deps.db, deps.policies, deps.clock, actorOf(req), req.query.idCard),
  );

  app.post(
    '/persons',
    { schema: { tags, security, summary: 'register an insured person (admin)', body: PersonCreateSchema, response: { 201: PersonSchema, ...errorResponses(409, 422) } } },
    async (req, reply) => reply.code(201).header('location', `/v1/persons/${req.body.id}`).send(await createPerson(deps.db, actorOf(req), req.body)),
  );

  app.get(
    '/persons/:id',
    { schema: { tags, security, summary: 'a person with the full identity history (ops, admin)', params: PersonIdParamsSchema, response: { 200: PersonSchema, ...errorResponses(404) } } },
    async (req) => getPerson(deps.db, req.params.id),
  );
};
