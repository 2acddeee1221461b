import { randomUUID } from 'node:crypto';
import type { FastifyServerOptions } from 'fastify';
import pino from 'pino';

/**
 * pino options: JSON lines with the request id on every line of a request, and no
 * personal data (ID-card numbers, names, phones) anywhere:
 *   - request and response bodies are never logged (fastify logs neither);
 *   - a request is logged by its method and path: the query string is dropped, since
 *     the HIS look-up carries the ID-card number there (GET /v1/persons?idCard=);
 *   - fields with a personal name are redacted wherever they appear in a logged object;
 *   - errors lose PostgreSQL's `detail` (it quotes the failing row: names, ID cards), and
 *     digit runs shaped like an ID-card or mobile number are masked in every message and
 *     stack, so an error that quotes a value cannot carry one out.
 */
const PERSONAL = ['idCard', 'id_card', 'idCardNo', 'name', 'personName', 'patientName', 'phone', 'mobile', 'telephone'];
export const REDACT_PATHS = [
  'req.headers.authorization',
  ...PERSONAL,
  ...PERSONAL.map((k) => `*.${k}`),
  ...PERSONAL.map((k) => `*.*.${k}`),
];

/** 18-character (and old 15-digit) resident ID-card numbers and mainland mobile numbers. */
const ID_OR_PHONE = /(?<!\d)(\d{17}[\dXx]|\d{15}|1[3-9]\d{9})(?![\dXx])/g;
export const maskNumbers = (s: string): string => s.replace(ID_OR_PHONE, (m) => `${m.slice(0, 3)}***${m.slice(-2)}`);

/** The path of a request URL, without the query string. */
export const pathOf = (url: string): string => url.split('?', 1)[0]!;

function errSerializer(err: Error): { type: string; message: string; stack: string; [k: string]: unknown } {
  const { detail: _row, ...out } = pino.stdSerializers.err(err);
  return { ...out, message: maskNumbers(out.message), stack: maskNumbers(out.stack) };
}

export function loggerOptions(level: string, stream?: { write(line: string): void }): FastifyServerOptions['logger'] {
  return {
    level,
    ...(stream ? { stream } : {}),
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      // A path may hold a number too (a person id that is an ID-card number, a key).
      req: (req: { method: string; url: string }) => ({ method: req.method, url: maskNumbers(pathOf(req.url)) }),
      err: errSerializer,
    },
    hooks: {
      // Messages are ours, but some quote a request value (an Idempotency-Key, a visit number).
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? maskNumbers(a) : a)) as Parameters<typeof method>);
      },
    },
  };
}

/**
 * Accepts a caller's X-Request-Id if it looks sane, otherwise mints one. It is on every
 * log line of the request, unmasked: one that holds an ID-card or mobile number is not
 * taken.
 */
export function genReqId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const h = req.headers['x-request-id'];
  return typeof h === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(h) && maskNumbers(h) === h ? h : randomUUID();
}
