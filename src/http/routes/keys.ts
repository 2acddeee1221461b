import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/database.js';
import { listAudit } from '../../db/repositories/audit.js';
import { createKey, listKeys, revokeKey } from '../../services/api-keys.js';
import { errorResponses } from '../errors.js';
import { actorOf } from '../plugins/auth.js';
import { AuditListSchema, AuditQuerySchema, KeyCreateSchema, KeyCreatedSchema, KeyListSchema, KeyParamsSchema, KeyRevocationSchema, KeySchema } from '../schemas/keys.js';
import { OPTIONAL_BODY } from '../plugins/swagger.js';

const security = [{ apiKey: [] }];

export const keyRoutes: FastifyPluginAsyncTypebox<{ db: Db }> = async (app, { db }) => {
  const tags = ['access'];
  app.post(
    '/keys',
    { schema: { tags, security, summary: 'create an API key (admin); the key is in this answer only', body: KeyCreateSchema, response: { 201: KeyCreatedSchema, ...errorResponses(404) } } },
    async (req, reply) => reply.code(201).send(await createKey(db, actorOf(req), req.body)),
  );

  app.get(
    '/keys',
    { schema: { tags, security, summary: 'API keys without their secrets (admin)', response: { 200: KeyListSchema, ...errorResponses() } } },
    async () => ({ items: await listKeys(db) }),
  );

  app.post(
    '/keys/:id/revocation',
    {
      schema: {
        tags, security, summary: 'revoke an API key (admin); it stops working within seconds; a reason, if given, is kept in the audit log',
        params: KeyParamsSchema, body: KeyRevocationSchema, response: { 200: KeySchema, ...errorResponses(404, 409) },
        // A revocation needs nothing in its body: a POST without one is read as {}.
        [OPTIONAL_BODY]: true,
      },
    },
    async (req) => revokeKey(db, actorOf(req), req.params.id, req.body.reason),
  );

  app.get(
    '/audit',
    { schema: { tags, security, summary: 'the audit log, newest first (ops, admin)', querystring: AuditQuerySchema, response: { 200: AuditListSchema, ...errorResponses() } } },
    async (req) => ({
      items: (await listAudit(db, req.query)).map((r) => ({
        id: r.id, at: new Date(r.at).toISOString(), keyId: r.key_id, actor: r.actor, action: r.action, targetType: r.target_type, targetId: r.target_id, detail: r.detail as Record<string, unknown>,
      })),
    }),
  );
};
