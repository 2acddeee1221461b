import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import { pendingMigrations } from '../../db/migrate.js';
import type { Db } from '../../db/database.js';
import { errorResponses } from '../errors.js';

const Ok = Type.Object({ status: Type.Literal('ok') });
const Ready = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  database: Type.Boolean(),
  pendingMigrations: Type.Array(Type.String()),
});

export const healthRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  app.get('/healthz', { schema: { tags: ['health'], summary: 'the process is up', response: { 200: Ok } } }, async () => ({ status: 'ok' as const }));

  app.get(
    '/readyz',
    { schema: { tags: ['health'], summary: 'database reachable and migrations current', response: { 200: Ready, 503: Ready, ...errorResponses() } } },
    async (req, reply) => {
      try {
        await sql`SELECT 1`.execute(db);
        const pending = await pendingMigrations(db);
        return reply.code(pending.length === 0 ? 200 : 503).send({ status: pending.length === 0 ? 'ready' : 'not_ready', database: true, pendingMigrations: pending });
      } catch (err) {
        req.log.warn({ err }, 'readiness check failed');
        return reply.code(503).send({ status: 'not_ready' as const, database: false, pendingMigrations: [] });
      }
    },
  );
};
