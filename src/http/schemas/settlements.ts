import { Type, type Static } from 'typebox';
import { BillLineWireSchema, DateS, LedgerWireSchema, MoneyS, SettlementWireSchema } from '../../domain/wire-schema.js';
import { CalendarDateS, UuidS } from './common.js';

/*
 * Wire shapes of the settlement API. The engine's schemas (wire-schema.ts) describe the
 * bill lines and the computed settlement; these add what the service owns: the request
 * (which names the hospital and person by id only: level, region and identities come
 * from the registry) and the stored records.
 */

const strict = { additionalProperties: false } as const;
const Id = UuidS;

export const SettleRequestSchema = Type.Object(
  {
    hospitalCode: Type.String({ minLength: 1, maxLength: 32, description: 'designated hospital code (registry)' }),
    personId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'insured person id (registry)' }),
    visitNo: Type.String({ minLength: 1, maxLength: 64, description: "the hospital's visit / bill number (mdtrt_id)" }),
    visitType: Type.Union([Type.Literal('inpatient'), Type.Literal('chronic_outpatient')]),
    admissionDate: CalendarDateS,
    dischargeDate: CalendarDateS,
    referral: Type.Boolean({ description: '规范转诊: came through a regular referral' }),
    lines: Type.Array(BillLineWireSchema, { minItems: 1, maxItems: 10000 }),
  },
  { ...strict, $id: 'SettleRequest' },
);
export type SettleRequest = Static<typeof SettleRequestSchema>;

/**
 * Printable ASCII without spaces: a header is read as Latin-1, so other characters would
 * be stored garbled and never found again by GET /v1/settlements/by-key/{key}; a header
 * sent twice arrives joined by ", " and is refused too.
 */
const IdempotencyKeyS = (description?: string) =>
  Type.String({ minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7E]+$', ...(description ? { description } : {}) });

export const IdempotencyHeadersSchema = Type.Object({
  'idempotency-key': Type.Optional(IdempotencyKeyS('required on POST /v1/settlements; printable ASCII without spaces, at most 200 characters')),
});

export const PreviewResponseSchema = Type.Object({
  preview: Type.Literal(true),
  binding: Type.Literal(false, { description: '预结算: non-binding, nothing was written' }),
  policyVersionId: Type.String(),
  settlementDate: DateS,
  settlement: SettlementWireSchema,
});

const FundAmount = Type.Object({ layer: Type.String(), fundCode: Type.String(), nationalField: Type.String(), base: MoneyS, paid: MoneyS });

export const ReversalDetailSchema = Type.Object({
  funds: Type.Array(FundAmount),
  ledgerBefore: LedgerWireSchema,
  ledgerAfter: LedgerWireSchema,
});

export const SettlementRecordSchema = Type.Object(
  {
    id: Id,
    kind: Type.Union([Type.Literal('settlement'), Type.Literal('reversal')]),
    status: Type.Union([Type.Literal('active'), Type.Literal('reversed'), Type.Literal('reversal')], { description: 'derived: a settlement is reversed when a reversal row points at it' }),
    reverses: Type.Union([Id, Type.Null()]),
    reversedBy: Type.Union([Id, Type.Null()]),
    reason: Type.Union([Type.String(), Type.Null()]),
    idempotencyKey: Type.Union([Type.String(), Type.Null()]),
    hospitalCode: Type.String(),
    personId: Type.String(),
    visitNo: Type.String(),
    visitType: Type.String(),
    admissionDate: DateS,
    dischargeDate: DateS,
    settlementDate: DateS,
    policyVersionId: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    total: MoneyS,
    fundTotal: MoneyS,
    patientShare: MoneyS,
    /** Only on POST /v1/settlements when the Idempotency-Key was seen before with the same body. */
    replayed: Type.Optional(Type.Boolean({ description: 'true when this is the stored answer to an earlier request with the same key' })),
    settlement: Type.Union([SettlementWireSchema, Type.Null()], { description: 'the computed settlement (kind = settlement)' }),
    reversal: Type.Union([ReversalDetailSchema, Type.Null()], { description: 'amounts and ledger effect (kind = reversal)' }),
  },
  { $id: 'SettlementRecord' },
);
export type SettlementRecord = Static<typeof SettlementRecordSchema>;

export const SettlementSummarySchema = Type.Object({
  id: Id,
  kind: Type.Union([Type.Literal('settlement'), Type.Literal('reversal')]),
  status: Type.Union([Type.Literal('active'), Type.Literal('reversed'), Type.Literal('reversal')]),
  reverses: Type.Union([Id, Type.Null()]),
  reversedBy: Type.Union([Id, Type.Null()]),
  hospitalCode: Type.String(),
  personId: Type.String(),
  visitNo: Type.String(),
  settlementDate: DateS,
  createdAt: Type.String({ format: 'date-time' }),
  total: MoneyS,
  fundTotal: MoneyS,
  patientShare: MoneyS,
});
export type SettlementSummary = Static<typeof SettlementSummarySchema>;

export const ListQuerySchema = Type.Object(
  {
    hospital: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'hospital code' })),
    person: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    from: Type.Optional(CalendarDateS),
    to: Type.Optional(CalendarDateS),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  },
  strict,
);
export type ListQuery = Static<typeof ListQuerySchema>;

export const ListResponseSchema = Type.Object({
  items: Type.Array(SettlementSummarySchema),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'pass as ?cursor= for the next page; null at the end' }),
  withheld: Type.Boolean({
    description: 'true when settlements matching the filters have committed but are not listed yet: a transaction on the database server that began writing before them is still running. They will list at the top once it ends; list again shortly',
  }),
});

export const ReversalRequestSchema = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }) }, strict);

export const ReplayRequestSchema = Type.Object(
  { policyVersionId: Type.Optional(Type.String({ minLength: 1, description: 'what-if: recompute under another policy version (writes nothing)' })) },
  strict,
);

export const ReplayResponseSchema = Type.Object({
  settlementId: Id,
  policyVersionId: Type.String(),
  whatIf: Type.Boolean(),
  identical: Type.Boolean(),
  differences: Type.Array(
    Type.Object({
      path: Type.String({ description: 'JSON pointer into the settlement' }),
      stored: Type.Optional(Type.Unknown({ description: 'absent when the stored settlement has no such field' })),
      recomputed: Type.Optional(Type.Unknown({ description: 'absent when the recomputation has no such field' })),
    }),
  ),
  recomputed: SettlementWireSchema,
});
export type ReplayResponse = Static<typeof ReplayResponseSchema>;

export const IdParamsSchema = Type.Object({ id: Id });
export const KeyParamsSchema = Type.Object({ idempotencyKey: IdempotencyKeyS() });
/** Keys are unique per hospital: a hospital-bound key reads its own; ops name the hospital. */
export const KeyQuerySchema = Type.Object(
  { hospital: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'hospital code (required for ops keys; hospital and cashier keys read their own)' })) },
  strict,
);

export const LedgerQuerySchema = Type.Object({ year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2200 })) }, strict);
export const PersonParamsSchema = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });
export const LedgerResponseSchema = Type.Object({ personId: Type.String(), year: Type.Integer(), exists: Type.Boolean(), ledger: LedgerWireSchema });
