import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import pg from 'pg';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import { clientDataException } from '../data-exceptions.js';
import { AppError, ErrorSchema, statusOfCode, type ErrorCode } from '../errors.js';

/**
 * The one error handler. Client mistakes become 4xx {code, message, details}; anything
 * else is logged with its stack and answered with a bare 500 that leaks nothing.
 */

// (JSON bodies are parsed by plugins/json-body.ts, which raises MALFORMED_JSON itself.)
const FASTIFY_CODES: Record<string, { code: string; message?: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'the Content-Type is not one this route reads: send application/json (identity imports also take text/csv)' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'MALFORMED_JSON', message: 'content-length does not match the body' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE' },
  FST_ERR_BAD_URL: { code: 'MALFORMED_URL', message: 'the request path is not valid percent-encoded UTF-8' },
};

/** The code of a 4xx status raised by Fastify or a plugin without a code of ours. */
const CODE_OF_STATUS: Record<number, ErrorCode> = {
  403: 'FORBIDDEN', 404: 'ROUTE_NOT_FOUND', 408: 'REQUEST_TIMEOUT', 413: 'PAYLOAD_TOO_LARGE', 414: 'URI_TOO_LONG', 415: 'UNSUPPORTED_MEDIA_TYPE', 431: 'HEADERS_TOO_LARGE',
};

/**
 * PostgreSQL refusals that say "not now" rather than "no": the statement waited or ran
 * too long, or lost a race the database broke. The request's transaction has rolled back
 * whole; sending the same request again (same Idempotency-Key) is the remedy, so they
 * are 503 with Retry-After, never 500.
 */
const TRANSIENT_SQLSTATES: Record<string, string> = {
  '55P03': 'a row the request needs was held by another transaction for longer than DB_LOCK_TIMEOUT_MS',
  '57014': 'the database did not finish the request within DB_STATEMENT_TIMEOUT_MS, or an operator cancelled it',
  '40P01': 'the request deadlocked with a concurrent one',
  '40001': 'the request conflicted with a concurrent one',
};

/** The SQLSTATE of a transient PostgreSQL refusal (see TRANSIENT_SQLSTATES), else undefined. */
export function transientSqlstate(err: unknown): string | undefined {
  const code = err instanceof pg.DatabaseError ? err.code : undefined;
  return code !== undefined && Object.hasOwn(TRANSIENT_SQLSTATES, code) ? code : undefined;
}

export function toWireError(err: unknown): { status: number; body: { code: string; message: string; details: Record<string, unknown> } } | null {
  if (err instanceof AppError) return { status: err.status, body: { code: err.code, message: err.message, details: err.details } };
  if (err instanceof DomainError) return { status: statusOfCode(err.code), body: { code: err.code, message: err.message, details: err.details } };
  const transient = transientSqlstate(err);
  if (transient !== undefined) {
    const message = `${TRANSIENT_SQLSTATES[transient]}; its transaction was rolled back, send the request again`;
    return { status: 503, body: { code: 'SERVICE_UNAVAILABLE', message, details: { sqlstate: transient } } };
  }
  const fe = err as FastifyError;
  if (fe?.validation) {
    // Paths as every other refusal gives them: /body/lines/0/amount, /querystring/limit.
    const errors = fe.validation.map((v) => ({ path: `/${fe.validationContext ?? ''}${v.instancePath}`, message: v.message ?? 'invalid' }));
    return { status: 400, body: { code: 'VALIDATION_FAILED', message: `request ${errors[0]?.path.slice(1) ?? ''} ${errors[0]?.message ?? 'is invalid'}`.trim(), details: { errors } } };
  }
  const known = fe?.code ? FASTIFY_CODES[fe.code] : undefined;
  if (known) return { status: statusOfCode(known.code), body: { code: known.code, message: known.message ?? fe.message, details: {} } };
  // Any other 4xx fastify or a plugin raises itself (a path parameter too long, a static
  // file path refused) stays a client error, under the code the table gives its status.
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code = Object.hasOwn(CODE_OF_STATUS, fe.statusCode) ? CODE_OF_STATUS[fe.statusCode]! : 'BAD_REQUEST';
    // Fastify's 414 message quotes the whole path, which may hold a key or an ID-card number.
    const message = fe.statusCode === 414 ? 'a path parameter is longer than the 100 characters any of them may have' : fe.message;
    return { status: fe.statusCode, body: { code, message, details: {} } };
  }
  return null;
}

/**
 * Fastify's `frameworkErrors` option: errors the router raises before any hook or error
 * handler runs (a path that is not valid percent-encoded UTF-8) get the same
 * {code, message, details} shape as every other refusal.
 */
export function frameworkErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const wire = toWireError(err) ?? { status: 400, body: { code: 'BAD_REQUEST', message: 'the request cannot be routed', details: {} } };
  // No onSend hook runs for these: the request id header and the log line are set here.
  req.log.info({ code: wire.body.code, status: wire.status }, 'request refused');
  reply.header('x-request-id', req.id).code(wire.status).send(wire.body);
}

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses before there is a
 * request (a header block above Node's 16 KB limit, a request that is not HTTP/1.1, one
 * not received in time) is answered in the same {code, message, details} shape, then
 * the connection is closed, as Node does.
 */
export function clientErrors(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'HEADERS_TOO_LARGE', 'the request headers are larger than the server accepts (16 KB)'] as const
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'REQUEST_TIMEOUT', 'the request was not received in time'] as const
    : [400, 'MALFORMED_REQUEST', 'the request is not well-formed HTTP/1.1'] as const;
  this.log.info({ code, status, parserError: err.code }, 'request refused by the HTTP parser');
  if (socket.writable) {
    const body = JSON.stringify({ code, message, details: {} });
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}

/**
 * What any /v1 route may answer besides its own refusals, so the OpenAPI document says
 * so (added to each route's responses before the swagger plugin reads them): 401 and
 * 403 (the key and its role), 429 (the key's rate), 503 (a lock or statement timeout, a
 * deadlock) and, for a route that takes a body, 415 (a content type it does not read).
 */
export function addApiErrorResponses(routeOptions: { url: string; method: string | string[]; schema?: { response?: unknown } }): void {
  const response = routeOptions.schema?.response as Record<string, unknown> | undefined;
  if (!routeOptions.url.startsWith('/v1/') || response === undefined) return;
  const methods = ([] as string[]).concat(routeOptions.method);
  const withBody = methods.some((m) => m === 'POST' || m === 'PUT' || m === 'PATCH');
  for (const status of [401, 403, 429, 503, ...(withBody ? [415] : [])]) response[status] ??= ErrorSchema;
}

export async function errorsPlugin(app: FastifyInstance): Promise<void> {
  app.addHook('onRoute', addApiErrorResponses);
  app.setErrorHandler((err, req, reply) => {
    // An AppError('INTERNAL') (a consistency check of ours failing) is ours, not the
    // client's: logged with its stack, answered like any unhandled error.
    const stated = toWireError(err);
    const wire = stated && (stated.status < 500 || stated.status === 503) ? stated : null;
    const sqlstate = wire ? undefined : clientDataException(err, req);
    if (sqlstate !== undefined) {
      req.log.warn({ sqlstate, err }, 'request data refused by PostgreSQL: a validation is missing');
      const message = `a value in the request cannot be stored or compared: ${(err as Error).message}`;
      return reply.code(400).send({ code: 'VALIDATION_FAILED', message, details: { errors: [{ path: '', message: (err as Error).message }] } });
    }
    if (wire) {
      // A lock or statement timeout, a deadlock: ops should see these, with the statement's error.
      if (transientSqlstate(err) !== undefined) req.log.warn({ code: wire.body.code, status: wire.status, err }, 'request refused: the database did not complete it in time');
      else req.log.info({ code: wire.body.code, status: wire.status }, 'request refused');
      // 503: busy for now, nothing was done; a client may send the same request again shortly.
      if (wire.status === 503) reply.header('retry-after', '1');
      return reply.code(wire.status).send(wire.body);
    }
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ code: 'INTERNAL', message: `internal error; quote request id ${req.id}`, details: { requestId: req.id } });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ code: 'ROUTE_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}`, details: {} }),
  );
}
