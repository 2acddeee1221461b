import { Type, type Static } from 'typebox';
import { DateS } from '../../domain/wire-schema.js';
import { CalendarDateS } from './common.js';

const strict = { additionalProperties: false } as const;
export const BatchIdS = Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,100}$', description: "the department's batch id; re-sending it is safe (idempotent)" });
export const SourceS = Type.String({ pattern: '^[a-z_]{1,40}$', description: 'source department, e.g. civil_affairs, rural_revitalisation' });

export const ImportRowSchema = Type.Object(
  {
    idCard: Type.String({ minLength: 1, maxLength: 32, description: 'resident ID-card number (GB 11643)' }),
    category: Type.String({ minLength: 1, maxLength: 40, description: 'identity category code, as the policy packs define it (dibao, tekun, …)' }),
    validFrom: CalendarDateS,
    validTo: Type.Optional(Type.Union([CalendarDateS, Type.Null()])),
  },
  strict,
);

/** Rows of one import through the API, JSON or CSV (the CLI takes any number). */
export const IMPORT_ROWS_MAX = 200_000;

export const ImportJsonSchema = Type.Object(
  { batchId: BatchIdS, source: SourceS, rows: Type.Array(ImportRowSchema, { minItems: 1, maxItems: IMPORT_ROWS_MAX }) },
  { ...strict, $id: 'IdentityImport' },
);
export type ImportJson = Static<typeof ImportJsonSchema>;

/** For text/csv bodies the batch id and source travel in the query string. */
export const ImportQuerySchema = Type.Object({ batchId: Type.Optional(BatchIdS), source: Type.Optional(SourceS) }, strict);

export const ImportReportSchema = Type.Object(
  {
    batchId: Type.String(),
    source: Type.String(),
    contentHash: Type.String({ description: 'SHA-256 of the canonical rows: the same content as CSV or JSON hashes the same' }),
    rows: Type.Integer(),
    inserted: Type.Integer({ description: 'new identity windows' }),
    closed: Type.Integer({ description: 'stored windows closed by a correction or an end date' }),
    unchanged: Type.Integer({ description: 'rows already stored exactly so' }),
    createdAt: Type.String({ format: 'date-time' }),
    replayed: Type.Optional(Type.Boolean({ description: 'true when this batch id was imported before with the same content' })),
    settlementsToReview: Type.Optional(Type.Array(
      Type.Object({ settlementId: Type.String(), personId: Type.String(), hospitalCode: Type.String(), visitNo: Type.String(), decidingDate: DateS, identityUsed: Type.Union([Type.String(), Type.Null()]) }),
      {
        description: 'active settlements decided on or after a date whose identity windows this batch changed (at most 1,000, oldest first): '
          + 'they were computed with the identities as they were; preview each again and, where the figures differ, reverse and settle it again. '
          + 'Absent in reports stored before 2026-12-02.',
      },
    )),
    settlementsToReviewCount: Type.Optional(Type.Integer({ description: 'how many such settlements there are in all' })),
  },
  { $id: 'IdentityImportReport' },
);
export type ImportReport = Static<typeof ImportReportSchema>;

export const ImportParamsSchema = Type.Object({ batchId: BatchIdS });
