import { isDeepStrictEqual } from 'node:util';
import fastJsonStringify from 'fast-json-stringify';
import { SettlementRecordSchema } from '../../src/http/schemas/settlements.js';

/*
 * The settlement routes answer records through JSON.stringify, not the schema serializer
 * (src/http/routes/settlements.ts). This keeps them honest: a record must come out of the
 * schema's own serializer unchanged — no member the schema does not name, none missing,
 * no value the schema would coerce.
 */
const viaSchema = fastJsonStringify(SettlementRecordSchema as Parameters<typeof fastJsonStringify>[0]);

/** The routes answering a SettlementRecord on 2xx. */
export function answersRecord(method: string, path: string): boolean {
  if (method === 'POST') return path === '/v1/settlements' || /^\/v1\/settlements\/[^/]+\/reversal$/.test(path);
  if (method === 'GET') return /^\/v1\/settlements\/(by-key\/)?[^/]+$/.test(path);
  return false;
}

/** Throws when the record's JSON is not what the schema serializer makes of it. */
export function assertRecordShape(body: string): void {
  const sent: unknown = JSON.parse(body);
  let schemaMade: unknown;
  try {
    schemaMade = JSON.parse(viaSchema(sent));
  } catch (err) {
    throw new Error(`settlement record does not match SettlementRecordSchema: ${(err as Error).message}`);
  }
  if (!isDeepStrictEqual(schemaMade, sent)) {
    throw new Error(`settlement record does not match SettlementRecordSchema:\n sent:   ${body.slice(0, 2000)}\n schema: ${JSON.stringify(schemaMade).slice(0, 2000)}`);
  }
}
