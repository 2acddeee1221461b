import type { FastifyInstance } from 'fastify';
import sjson from 'secure-json-parse';
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
  else {
    // V8 quotes the text after ', "' in some messages: cut there.
    const cut = said.indexOf(', "');
    why = cut >= 0 ? said.slice(0, cut) : said.includes('"') ? 'a syntax error' : said;
  }
  return new AppError('MALFORMED_JSON', `the body is not valid JSON: ${why}`, position === undefined ? {} : { position: Number(position) });
}

export async function jsonBodyPlugin(app: FastifyInstance): Promise<void> {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string;
    if (text.length === 0) {
      done(new AppError('MALFORMED_JSON', 'the request body is empty but the content type says JSON'), undefined);
      return;
    }
    try {
      done(null, sjson.parse(text, { protoAction: 'error', constructorAction: 'error' }));
    } catch (err) {
      done(jsonBodyError(text, err), undefined);
    }
  });
}
