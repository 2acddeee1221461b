import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { AppError, errorResponses } from '../errors.js';
import { actorOf } from '../plugins/auth.js';
import { OPTIONAL_BODY } from '../plugins/swagger.js';
import {
  IdParamsSchema,
  IdempotencyHeadersSchema,
  KeyParamsSchema,
  KeyQuerySchema,
  ListQuerySchema,
  ListResponseSchema,
  PreviewResponseSchema,
  ReplayRequestSchema,
  ReplayResponseSchema,
  ReversalRequestSchema,
  SettleRequestSchema,
  SettlementRecordSchema,
  type SettlementRecord,
} from '../schemas/settlements.js';
import { rememberedJson } from '../../json-text.js';
import { previewSettlement, settleRequest, type SettleDeps } from '../../services/settle.js';
import { reverseSettlement } from '../../services/reverse.js';
import { replaySettlement } from '../../services/replay.js';
import { getSettlement, getSettlementByKey, listSettlementPage } from '../../services/queries.js';

const tags = ['settlements'];

const LIST_DESCRIPTION = [
  'Newest first, in the order the transactions that wrote them began writing; nextCursor pages down.',
  'A settlement is listed once every transaction that began writing before it, anywhere on the database server, has ended',
  '(usually within milliseconds of its commit; GET /v1/settlements/{id} finds it at once; withheld says when matching ones wait),',
  'so the list only ever grows at its top: a row that appears later never lands below a page already read.',
  'To mirror a hospital\'s settlements, page down from the top to the top row of the previous pass (not to any settlement the client holds from elsewhere:',
  'one that committed later may list below it). A reversal is a row of its own at the top; the settlement it reverses keeps its place.',
  'Cursors issued before migration 20261204230000 are refused with 400 INVALID_CURSOR: list again from the first page.',
].join(' ');

/**
 * Settlement records go out through JSON.stringify instead of the schema serializer. The
 * schema's `settlement` / `reversal` members are unions with null, and fast-json-stringify
 * picks a union branch by validating the whole settlement against it on every response
 * (about 5% of a settlement's CPU). The records are built field by field in
 * services/records.ts, so there is nothing extra to strip; the tests' call() helper
 * (test/helpers/record-shape.ts) checks every record answered here serializes
 * identically through the schema.
 */
function sendRecord(reply: FastifyReply, record: SettlementRecord): FastifyReply {
  return reply.serializer(stringifyRecord).send(record);
}

/**
 * A record whose settlement was just inserted by this process carries the JSON text its
 * insert statement was given (src/json-text.ts): that text is spliced in rather than made
 * again. Any other record (a reversal, answered as read back from the database; a
 * replayed one) has none and is serialized whole. `settlement` and `reversal` are the
 * record's last two members (services/records.ts) unless it is a replayed one, so the
 * output is what JSON.stringify of the whole record gives.
 */
function stringifyRecord(payload: unknown): string {
  const record = payload as SettlementRecord;
  const text = 'replayed' in record ? undefined : rememberedJson(record.settlement);
  if (text === undefined) return JSON.stringify(record);
  const { settlement: _spliced, reversal, ...rest } = record;
  return `${JSON.stringify(rest).slice(0, -1)},"settlement":${text},"reversal":${JSON.stringify(reversal)}}`;
}
const security = [{ apiKey: [] }];

export const settlementRoutes: FastifyPluginAsyncTypebox<SettleDeps> = async (app, deps) => {
  app.post(
    '/settlements/preview',
    {
      schema: {
        tags, security, summary: '预结算 (2303): compute without writing; non-binding',
        body: SettleRequestSchema,
        response: { 200: PreviewResponseSchema, ...errorResponses(409, 422) },
      },
    },
    async (req) => previewSettlement(deps, req.body),
  );

  app.post(
    '/settlements',
    {
      schema: {
        tags, security, summary: '结算 (2304): settle a bill in one transaction',
        description:
          'Requires Idempotency-Key. The same key with the same body answers the stored result (200, replayed: true); ' +
          'with a different body 409 IDEMPOTENCY_CONFLICT naming what differs. A visit already settled and not reversed: 409 VISIT_ALREADY_SETTLED. ' +
          'No settlement worker free within SETTLE_QUEUE_TIMEOUT_MS, or no database connection: 503 SERVICE_UNAVAILABLE with Retry-After, nothing written.',
        headers: IdempotencyHeadersSchema,
        body: SettleRequestSchema,
        response: { 200: SettlementRecordSchema, 201: SettlementRecordSchema, ...errorResponses(409, 422) },
      },
    },
    async (req, reply) => {
      const key = req.headers['idempotency-key'];
      if (!key) throw new AppError('IDEMPOTENCY_KEY_REQUIRED', 'send an Idempotency-Key header (a unique id per settlement request, reused on retries)');
      const started = performance.now();
      const { record, replayed } = await settleRequest({ ...deps, actor: actorOf(req) }, req.body, key);
      req.log.info({ settlementId: record.id, replayed, durationMs: Math.round((performance.now() - started) * 10) / 10 }, replayed ? 'settlement replayed' : 'settlement committed');
      return sendRecord(reply.code(replayed ? 200 : 201).header('location', `/v1/settlements/${record.id}`), record);
    },
  );

  app.get(
    '/settlements',
    { schema: { tags, security, summary: 'list settlements and reversals, newest first (cursor paging)', description: LIST_DESCRIPTION, querystring: ListQuerySchema, response: { 200: ListResponseSchema, ...errorResponses() } } },
    async (req) => listSettlementPage(deps.db, req.query),
  );

  app.get(
    '/settlements/by-key/:idempotencyKey',
    { schema: { tags, security, summary: 'the committed settlement of an Idempotency-Key (after a lost response)', params: KeyParamsSchema, querystring: KeyQuerySchema, response: { 200: SettlementRecordSchema, ...errorResponses(400, 404) } } },
    async (req, reply) => {
      const hospital = req.query.hospital;
      if (hospital === undefined) {
        throw new AppError('VALIDATION_FAILED', 'Idempotency-Keys are unique per hospital: name it with ?hospital=<code>', { errors: [{ path: '/querystring/hospital', message: 'required' }] });
      }
      return sendRecord(reply, await getSettlementByKey(deps.db, hospital, req.params.idempotencyKey));
    },
  );

  app.get(
    '/settlements/:id',
    { schema: { tags, security, summary: 'one settlement or reversal (5203)', params: IdParamsSchema, response: { 200: SettlementRecordSchema, ...errorResponses(404) } } },
    async (req, reply) => sendRecord(reply, await getSettlement(deps.db, req.params.id)),
  );

  app.post(
    '/settlements/:id/reversal',
    {
      schema: {
        tags, security, summary: '结算撤销 (2305): reverse with equal and opposite amounts',
        params: IdParamsSchema, body: ReversalRequestSchema,
        response: { 201: SettlementRecordSchema, ...errorResponses(404, 409) },
      },
    },
    async (req, reply) => {
      const record = await reverseSettlement(deps.db, req.params.id, req.body.reason, actorOf(req));
      req.log.info({ settlementId: req.params.id, reversalId: record.id }, 'settlement reversed');
      return sendRecord(reply.code(201).header('location', `/v1/settlements/${record.id}`), record);
    },
  );

  app.post(
    '/settlements/:id/replay',
    {
      schema: {
        tags, security, summary: 'recompute from the stored snapshot; optionally under another policy version (what-if, writes nothing)',
        params: IdParamsSchema, body: ReplayRequestSchema,
        response: { 200: ReplayResponseSchema, ...errorResponses(404, 409, 422) },
        // A plain replay needs nothing in its body: a POST without one is read as {}.
        [OPTIONAL_BODY]: true,
      },
    },
    async (req) => replaySettlement(deps.db, deps.policies, req.params.id, req.body.policyVersionId),
  );
};
