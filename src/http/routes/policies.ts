import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { addPolicy, getPolicy, listPolicies } from '../../services/policy-admin.js';
import type { SettleDeps } from '../../services/settle.js';
import { errorResponses } from '../errors.js';
import { actorOf } from '../plugins/auth.js';
import { PolicyListQuerySchema, PolicyListSchema, PolicyPackBodySchema, PolicyParamsSchema, PolicyVersionSchema, PolicyVersionWithPackSchema } from '../schemas/policies.js';

const tags = ['policies'];
const security = [{ apiKey: [] }];

export const policyRoutes: FastifyPluginAsyncTypebox<SettleDeps> = async (app, deps) => {
  app.post(
    '/policies',
    {
      schema: {
        tags, security, summary: 'add a policy version (admin): body = a pack; 422 POLICY_INVALID names path and problem',
        body: PolicyPackBodySchema, response: { 201: PolicyVersionSchema, ...errorResponses(409, 422) },
      },
    },
    async (req, reply) => {
      const v = await addPolicy(deps.db, deps.policies, actorOf(req), req.body);
      return reply.code(201).header('location', `/v1/policies/${v.id}`).send(v);
    },
  );

  app.get(
    '/policies',
    { schema: { tags, security, summary: 'policy versions, per region by effective date (ops, admin)', querystring: PolicyListQuerySchema, response: { 200: PolicyListSchema, ...errorResponses() } } },
    async (req) => ({ items: await listPolicies(deps.db, req.query.region) }),
  );

  app.get(
    '/policies/:id',
    { schema: { tags, security, summary: 'one policy version with its pack (ops, admin)', params: PolicyParamsSchema, response: { 200: PolicyVersionWithPackSchema, ...errorResponses(404) } } },
    async (req) => getPolicy(deps.db, req.params.id),
  );
};
