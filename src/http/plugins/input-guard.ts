import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

/*
 * PostgreSQL text (and jsonb) cannot hold U+0000: a NUL that reaches a query fails there
 * as a 500 (22021/22P05). No legitimate value of this API contains one, so one hook
 * refuses it in every string the service reads before anything else looks at it:
 * path params, the query string, the body (all nested strings and object keys, or a
 * CSV text), and the headers whose values the service stores or queries. The other
 * headers never reach the database: Authorization is hashed before its look-up and
 * X-Request-Id is replaced unless it matches a safe pattern (logger.ts).
 *
 * The same hook refuses strings that are not well-formed Unicode: a lone UTF-16
 * surrogate (JSON allows "\ud800") cannot be stored in jsonb (22P02, a 500) and would be
 * silently replaced by U+FFFD in text columns.
 *
 * Since migration 20261203100000 a settlement's result, input snapshot and idempotency
 * request are json columns, which would store "\u0000" and a lone "\ud800" as escapes
 * without complaint; but any later ->> or ::jsonb of them fails, settlements_immutable
 * among them (a reversal of that settlement could never be written). For those columns
 * this hook is the only barrier, so it stays in front of every route.
 */

const STORED_HEADERS = ['idempotency-key'] as const;

/** U+0000, or a UTF-16 surrogate that is not half of a pair (in u-mode a pair is one code point, so \p{Cs} matches only lone halves). */
const UNSTORABLE = /[\0\p{Cs}]/u;

export interface BadString {
  /** JSON-pointer-like path of the string or object key. */
  path: string;
  problem: string;
}

function problemOf(s: string): string | undefined {
  const m = UNSTORABLE.exec(s);
  if (!m) return undefined;
  return m[0] === '\0' ? 'must not contain the NUL character (U+0000)' : `must be well-formed Unicode (a lone surrogate U+${m[0].charCodeAt(0).toString(16).toUpperCase()} is not)`;
}

/**
 * Whether any string or object key in value could not be stored: the walk every request
 * takes, so it builds no paths (an explicit stack, not recursion: a deeply nested body
 * must not overflow the call stack).
 */
function anyBadString(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) return true;
    } else if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
    } else if (v !== null && typeof v === 'object') {
      for (const k in v) {
        if (!Object.hasOwn(v, k)) continue;
        if (UNSTORABLE.test(k)) return true;
        stack.push((v as Record<string, unknown>)[k]);
      }
    }
  }
  return false;
}

/** The first string (or object key) the database could not store as sent, or undefined. */
export function findBadString(value: unknown, path: string): BadString | undefined {
  // Paths are built only for a value known to hold one.
  if (!anyBadString(value)) return undefined;
  const stack: Array<[unknown, string]> = [[value, path]];
  while (stack.length > 0) {
    const [v, p] = stack.pop()!;
    if (typeof v === 'string') {
      const problem = problemOf(v);
      if (problem) return { path: p, problem };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${p}/${i}`]);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        const problem = problemOf(k);
        if (problem) return { path: `${p}/${k}`, problem: `names a key that ${problem}` };
        stack.push([child, `${p}/${k}`]);
      }
    }
  }
  return undefined;
}

function badStringIn(req: FastifyRequest): BadString | undefined {
  const headers = Object.fromEntries(STORED_HEADERS.map((h) => [h, req.headers[h]]));
  return findBadString(req.params, '/params') ?? findBadString(req.query, '/querystring') ?? findBadString(headers, '/headers') ?? findBadString(req.body, '/body');
}

/**
 * The first query or path parameter that the schema's type coercion turned into a number
 * that is not finite. Ajv coerces the string "1e400" (or "Infinity") to Infinity for an
 * integer and then skips minimum and maximum, which it checks only for finite numbers: a
 * `limit` or `year` of Infinity reached PostgreSQL as "Infinity" (22P02, a 500). Only
 * these two parts are looked at: no body schema has a coercible number (test/http/
 * openapi.test.ts keeps it so), and a JSON number 1e400 fails the type check.
 */
export function findNonFinite(req: Pick<FastifyRequest, 'params' | 'query'>): string | undefined {
  for (const [part, value] of [['params', req.params], ['querystring', req.query]] as const) {
    if (value === null || typeof value !== 'object') continue;
    for (const [k, v] of Object.entries(value)) {
      const values: unknown[] = Array.isArray(v) ? v : [v];
      if (values.some((x) => typeof x === 'number' && !Number.isFinite(x))) return `/${part}/${k}`;
    }
  }
  return undefined;
}

/**
 * Why a request's body cannot be read as sent, if it cannot: bodies are read as they
 * arrive and in UTF-8 (RFC 8259 requires it of JSON, the CSV import states it), so a
 * body sent compressed (a Content-Encoding other than identity) or declared in another
 * charset would be misread, parsed as garbage or as the wrong characters.
 */
export function unreadableBody(headers: FastifyRequest['headers']): string | undefined {
  const hasBody = headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
  if (!hasBody) return undefined;
  const encoding = headers['content-encoding']?.trim().toLowerCase();
  if (encoding && encoding !== 'identity') return `a body with Content-Encoding ${encoding} is not read: send it uncompressed`;
  // Node takes "gzip, chunked" and hands the bytes over as they came.
  const transfer = String(headers['transfer-encoding'] ?? '').toLowerCase().split(',').map((c) => c.trim()).find((c) => c !== '' && c !== 'chunked' && c !== 'identity');
  if (transfer !== undefined) return `a body with Transfer-Encoding ${transfer} is not read: send it uncompressed`;
  // Every charset parameter counts (a header may repeat one), quoted or not.
  for (const param of (headers['content-type'] ?? '').split(';').slice(1)) {
    const eq = param.indexOf('=');
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    const charset = param.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1').trim().toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') return `a body in charset ${JSON.stringify(charset)} is not read: send it in UTF-8`;
  }
  return undefined;
}

export async function inputGuardPlugin(app: FastifyInstance): Promise<void> {
  // onRequest: before the body is parsed (a gzip body would otherwise be 400 MALFORMED_JSON).
  app.addHook('onRequest', async (req) => {
    const why = unreadableBody(req.headers);
    if (why !== undefined) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', why, { contentType: req.headers['content-type'] ?? null, contentEncoding: req.headers['content-encoding'] ?? null });
    }
  });
  // preValidation: after the body is parsed, before the schema, auth scoping and handlers.
  app.addHook('preValidation', async (req) => {
    const bad = badStringIn(req);
    if (bad !== undefined) {
      throw new AppError('VALIDATION_FAILED', `request ${bad.path} ${bad.problem}`, { errors: [{ path: bad.path, message: bad.problem }] });
    }
  });
  // preHandler: after the schema has coerced the query and path parameters.
  app.addHook('preHandler', async (req) => {
    const path = findNonFinite(req);
    if (path !== undefined) {
      const message = 'must be a finite number';
      throw new AppError('VALIDATION_FAILED', `request ${path} ${message}`, { errors: [{ path, message }] });
    }
  });
}
