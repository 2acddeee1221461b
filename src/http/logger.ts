import { randomUUID } from 'node:crypto';
import type { FastifyServerOptions } from 'fastify';

/**
 * pino options: JSON lines with the request id on every line of a request, and personal
 * data redacted wherever it appears in a logged object (ID-card numbers, names, phones).
 * Request bodies are never logged.
 */
const PERSONAL = ['idCard', 'id_card', 'idCardNo', 'name', 'personName', 'patientName', 'phone', 'mobile', 'telephone'];
export const REDACT_PATHS = [
  'req.headers.authorization',
  ...PERSONAL,
  ...PERSONAL.map((k) => `*.${k}`),
  ...PERSONAL.map((k) => `*.*.${k}`),
];

export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    // Keep the request id on every line; name the duration in milliseconds.
    serializers: {
      req: (req: { method: string; url: string; id: string }) => ({ method: req.method, url: req.url }),
    },
  };
}

/** Accepts a caller's X-Request-Id if it looks sane, otherwise mints one. */
export function genReqId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const h = req.headers['x-request-id'];
  return typeof h === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(h) ? h : randomUUID();
}
