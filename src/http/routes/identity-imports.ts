import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { getImport, importIdentities, rowsFromCsv, tooManyRows, type ImportInput } from '../../services/identity-import.js';
import type { SettleDeps } from '../../services/settle.js';
import { AppError, errorResponses } from '../errors.js';
import { actorOf } from '../plugins/auth.js';
import { utf8Body } from '../body-text.js';
import { IMPORT_ROWS_MAX, ImportJsonSchema, ImportParamsSchema, ImportQuerySchema, ImportReportSchema, type ImportJson } from '../schemas/imports.js';

const tags = ['registry'];
const security = [{ apiKey: [] }];

export const identityImportRoutes: FastifyPluginAsyncTypebox<SettleDeps> = async (app, deps) => {
  // CSV lists of tens of thousands of rows: a larger limit than JSON bills, for this plugin only.
  // UTF-8 only, checked: a list saved in GBK is refused, never imported with U+FFFD in it.
  app.addContentTypeParser('text/csv', { parseAs: 'buffer', bodyLimit: 20 * 1024 * 1024 }, (_req, body, done) => {
    try {
      done(null, utf8Body(body as Buffer, 'MALFORMED_CSV'));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  app.post(
    '/identity-imports',
    {
      bodyLimit: 20 * 1024 * 1024,
      // The handler sees a refused body first: too many JSON rows is 413, as for CSV.
      attachValidation: true,
      schema: {
        tags, security,
        summary: 'import an identity list (admin): JSON, or CSV with ?batchId=&source=; all or nothing, idempotent by batch id',
        description:
          `At most ${IMPORT_ROWS_MAX.toLocaleString('en-US')} rows, JSON or CSV (more: 413 PAYLOAD_TOO_LARGE; the CLI \`npm run import:identities\` takes any number). ` +
          'CSV header: id_card,category,valid_from,valid_to (UTF-8). Every row is checked first (ID-card checksum, known category, window order, ' +
          'overlaps with the same person and category); any error refuses the whole batch with 422 IMPORT_REJECTED listing the rows. ' +
          'The same batch id with the same content answers the stored report (200, replayed); with other content 409 IMPORT_BATCH_CONFLICT.',
        querystring: ImportQuerySchema,
        body: { content: { 'application/json': { schema: ImportJsonSchema }, 'text/csv': { schema: Type.String({ minLength: 1 }) } } },
        response: { 200: ImportReportSchema, 201: ImportReportSchema, ...errorResponses(409, 413, 422) },
      },
    },
    async (req, reply) => {
      if (req.validationError) {
        const tooMany = req.validationError.validation?.some((v: { keyword: string; instancePath: string }) => v.keyword === 'maxItems' && v.instancePath === '/rows');
        if (tooMany) throw tooManyRows(`more than ${IMPORT_ROWS_MAX.toLocaleString('en-US')} rows`, IMPORT_ROWS_MAX);
        throw req.validationError;
      }
      // Only text/csv is read as a string and only application/json as an object (no other
      // parser is registered); a request without a body or Content-Type has neither.
      let input: ImportInput;
      if (typeof req.body === 'string') {
        const { batchId, source } = req.query;
        if (!batchId || !source) throw new AppError('VALIDATION_FAILED', 'a CSV import needs ?batchId= and ?source=', { errors: [{ path: '/querystring', message: 'batchId and source are required with text/csv' }] });
        input = { batchId, source, ...(await rowsFromCsv(req.body, { maxRows: IMPORT_ROWS_MAX })) };
      } else if (typeof req.body === 'object' && req.body !== null) {
        const body = req.body as ImportJson;
        input = { batchId: body.batchId, source: body.source, rows: body.rows.map((r) => ({ ...r, validTo: r.validTo ?? null })) };
      } else {
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send the list as application/json or text/csv', { contentType: req.headers['content-type'] ?? null });
      }
      const report = await importIdentities(deps.db, deps.policies, actorOf(req), input);
      req.log.info({ batchId: report.batchId, rows: report.rows, inserted: report.inserted, closed: report.closed, replayed: report.replayed ?? false }, 'identity import');
      return reply.code(report.replayed ? 200 : 201).header('location', `/v1/identity-imports/${report.batchId}`).send(report);
    },
  );

  app.get(
    '/identity-imports/:batchId',
    { schema: { tags, security, summary: 'the report of a committed identity import (ops, admin)', params: ImportParamsSchema, response: { 200: ImportReportSchema, ...errorResponses(404) } } },
    async (req) => getImport(deps.db, req.params.batchId),
  );
};
