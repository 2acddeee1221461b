import { Type } from 'typebox';

/**
 * Every error the API answers with: one stable SCREAMING_SNAKE code per cause, one
 * table from code to HTTP status. Clients switch on `code`, never on `message`.
 * Engine codes (DomainError) that are not listed here map by prefix: BILL_* and any
 * other refused domain input → 422.
 */
export const ERROR_STATUS = {
  // Request shape
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  MALFORMED_URL: 400,
  IDEMPOTENCY_KEY_REQUIRED: 400,
  INVALID_CURSOR: 400,
  BAD_REQUEST: 400,
  MALFORMED_CSV: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  // Refused by Node's HTTP parser before any route (see clientErrors)
  MALFORMED_REQUEST: 400,
  REQUEST_TIMEOUT: 408,
  HEADERS_TOO_LARGE: 431,
  // Access
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  HOSPITAL_MISMATCH: 403,
  RATE_LIMITED: 429,
  // Lookups
  ROUTE_NOT_FOUND: 404,
  SETTLEMENT_NOT_FOUND: 404,
  PERSON_NOT_FOUND: 404,
  POLICY_VERSION_NOT_FOUND: 404,
  HOSPITAL_NOT_FOUND: 404,
  IMPORT_NOT_FOUND: 404,
  KEY_NOT_FOUND: 404,
  // Refused business input
  UNKNOWN_HOSPITAL: 422,
  HOSPITAL_NOT_DESIGNATED: 422,
  UNKNOWN_PERSON: 422,
  NO_POLICY_FOR_DATE: 422,
  POLICY_INVALID: 422,
  BILL_INVALID: 422,
  IMPORT_REJECTED: 422,
  ID_CARD_INVALID: 422,
  // State conflicts
  IDEMPOTENCY_CONFLICT: 409,
  VISIT_ALREADY_SETTLED: 409,
  ALREADY_REVERSED: 409,
  NOT_LATEST_SETTLEMENT: 409,
  NOT_REVERSIBLE: 409,
  NOT_REPLAYABLE: 409,
  HOSPITAL_EXISTS: 409,
  HOSPITAL_CHANGE_CONFLICT: 409,
  HOSPITAL_CHANGED: 409,
  PERSON_EXISTS: 409,
  IMPORT_BATCH_CONFLICT: 409,
  POLICY_VERSION_EXISTS: 409,
  KEY_ALREADY_REVOKED: 409,
  // Ours
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** HTTP status of a stable code, including engine codes not in the table. */
export function statusOfCode(code: string): number {
  if (Object.hasOwn(ERROR_STATUS, code)) return ERROR_STATUS[code as ErrorCode];
  return 422;
}

const NOUN = { SETTLEMENT_NOT_FOUND: 'settlement', PERSON_NOT_FOUND: 'person', POLICY_VERSION_NOT_FOUND: 'policy version' } as const;

export const notFound = (code: keyof typeof NOUN, id: string) => new AppError(code, `${NOUN[code]} ${id} does not exist`, { id });

export const ErrorSchema = Type.Object(
  {
    code: Type.String({ description: 'stable machine-readable code, e.g. VISIT_ALREADY_SETTLED' }),
    message: Type.String(),
    details: Type.Record(Type.String(), Type.Unknown()),
  },
  { $id: 'Error', description: 'every non-2xx answer' },
);

/**
 * Response schemas for the error statuses a route can answer, for the OpenAPI document:
 * 400 and 500 always, and the route's own. Those every /v1 route may answer (401, 403,
 * 429, 503, and 415 with a body) are added to each by addApiErrorResponses.
 */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorSchema> {
  return Object.fromEntries([...new Set([400, 500, ...statuses])].map((s) => [s, ErrorSchema]));
}
