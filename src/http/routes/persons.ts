import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../errors.js';
import { LedgerQuerySchema, LedgerResponseSchema, PersonParamsSchema } from '../schemas/settlements.js';
import { getLedger } from '../../services/queries.js';
import type { SettleDeps } from '../../services/settle.js';

export const personRoutes: FastifyPluginAsyncTypebox<SettleDeps> = async (app, deps) => {
  app.get(
    '/persons/:id/ledger',
    {
      schema: {
        tags: ['persons'], security: [{ apiKey: [] }],
        summary: 'annual accumulators of a person (5206); year defaults to the current policy year',
        params: PersonParamsSchema, querystring: LedgerQuerySchema,
        response: { 200: LedgerResponseSchema, ...errorResponses(404) },
      },
    },
    async (req) => getLedger(deps.db, deps.clock, req.params.id, req.query.year),
  );
};
