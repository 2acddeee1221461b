import type { FastifyInstance } from 'fastify';
import sjson from 'secure-json-parse';
import { duplicateKey } from '../duplicate-keys.js';
import { utf8Body } from '../body-text.js';
import { AppError } from '../errors.js';

/**
 * The JSON body parser: Fastify's own (secure-json-parse, refusing __proto__ and
 * constructor.prototype keys), with a message that says what is wrong. Fastify answers
 * every unparsable body with "Body is not valid JSON"; an HIS integrator then has to
 * guess between a syntax error, a truncated body and a refused key. The message never
 * quotes the body (it may hold names and ID-card numbers, and refusals are logged).
 */
export function jsonBodyError(body: string, err: unknown): AppError {
  const said = err instanceof Error ? err.message : String(err);
  const position = /at position (\d+)/.exec(said)?.[1];
  let why: string;
  if (/forbidden prototype property/.test(said)) why = 'it has a "__proto__" key or a "constructor" key holding "prototype", which are refused';
  else if (/Unexpected end of JSON input|Unterminated string/.test(said) || (position !== undefined && Number(position) >= body.length)) why = `it ends (after ${body.length} characters) before its value does: was it cut short?`;
  else if (/^Unexpected token/.test(said)) why = 'an unexpected character'; // V8 names the character, which may be part of a name
  // Other V8 messages quote the text itself in double quotes ("…" is not valid JSON).
  else why = said.includes('"') ? `a syntax error${position === undefined ? '' : ` at position ${position}`}` : said;
  return new AppError('MALFORMED_JSON', `the body is not valid JSON: ${why}`, position === undefined ? {} : { position: Number(position) });
}

export async function jsonBodyPlugin(app: FastifyInstance): Promise<void> {
  // Fastify reads text/plain as a string for any route: no route here takes it.
  app.removeContentTypeParser('text/plain');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => {
    let text: string;
    try {
      text = utf8Body(body as Buffer, 'MALFORMED_JSON');
    } catch (err) {
      done(err as Error, undefined);
      return;
    }
    if (text.length === 0) {
      done(new AppError('MALFORMED_JSON', 'the request body is empty but the content type says JSON'), undefined);
      return;
    }
    let value: unknown;
    try {
      value = sjson.parse(text, { protoAction: 'error', constructorAction: 'error' });
    } catch (err) {
      done(jsonBodyError(text, err), undefined);
      return;
    }
    // A body is read exactly as sent: a member sent twice is not settled on the last one.
    const twice = duplicateKey(text);
    if (twice !== undefined) {
      const message = 'appears twice in its object: send each member once';
      done(new AppError('VALIDATION_FAILED', `request body${twice} ${message}`, { errors: [{ path: `/body${twice}`, message }] }), undefined);
      return;
    }
    done(null, value);
  });
}
