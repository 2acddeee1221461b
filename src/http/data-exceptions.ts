import pg from 'pg';
import type { FastifyRequest } from 'fastify';

/*
 * The last line of defence behind schema validation and the NUL guard: a PostgreSQL
 * data exception (SQLSTATE class 22) that the request's own data caused is a client
 * mistake (400), not our fault (500). Class 22 alone does not prove that — a value we
 * built wrongly fails the same way, and calling our bug the client's would hide it —
 * so each exception must be traced back to the request:
 *   - 22007, 22008, 22P02, 22003 with a quoted value ("2026-02-30", "abc"): PostgreSQL
 *     quotes the literal it could not take; it is the client's when that literal is
 *     one of the request's strings (path params, query, body, headers).
 *   - 22021, 22P05 (a byte or U+0000 text cannot hold): the client's when a request
 *     string contains NUL (Node already turns invalid UTF-8 into U+FFFD).
 *   - 22003 without a quoted value ("numeric field overflow"): amounts cast into
 *     numeric(14,2) are the bill's or sums of them (stored amounts were in range when
 *     written and are only negated or summed into unbounded numeric), so it is the
 *     client's when the request carried a body.
 * Anything else in class 22 stays a 500 and is logged with its stack. The refusal is
 * logged at warn with the SQLSTATE: it means a validation is missing upstream.
 */

const DATA_EXCEPTIONS = new Set(['22007', '22008', '22003', '22021', '22P05', '22P02']);

function requestStrings(req: FastifyRequest): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') for (const [k, c] of Object.entries(v)) (out.push(k), walk(c));
  };
  const { authorization: _secret, ...headers } = req.headers;
  [req.params, req.query, req.body, headers].forEach(walk);
  return out;
}

/** The SQLSTATE when `err` is a class-22 data exception caused by the request's data. */
export function clientDataException(err: unknown, req: FastifyRequest): string | undefined {
  if (!(err instanceof pg.DatabaseError) || err.code === undefined || !DATA_EXCEPTIONS.has(err.code)) return undefined;
  const quoted = /"(.*)"/s.exec(err.message)?.[1];
  const strings = requestStrings(req);
  let ours: boolean;
  if (quoted !== undefined) ours = strings.some((s) => (quoted === '' ? s === '' : s.includes(quoted)));
  else if (err.code === '22021' || err.code === '22P05') ours = strings.some((s) => s.includes('\0'));
  else if (err.code === '22003') ours = req.body !== undefined && req.body !== null;
  else ours = false;
  return ours ? err.code : undefined;
}
