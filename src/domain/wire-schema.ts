import { Type, type Static } from 'typebox';

/*
 * JSON shapes of the domain values: money as decimal strings with exactly two places
 * on output ("123.45"), quantities and ratios as plain decimal strings. These TypeBox
 * schemas are the single source for HTTP validation, handler types and OpenAPI.
 */

export const MoneyS = Type.String({ pattern: '^-?\\d{1,12}(\\.\\d{1,2})?$', description: 'yuan, decimal string' });
export const DecimalS = Type.String({ pattern: '^-?\\d+(\\.\\d+)?$', description: 'plain decimal string' });
/** Quantities, unit prices and ratios on a bill line: bounded in length; validateBill sets the real limits. */
export const LineDecimalS = Type.String({ pattern: '^-?\\d{1,12}(\\.\\d{1,12})?$', description: 'plain decimal string, at most 12 + 12 digits' });
/**
 * A pattern cannot know that February has no 30th: it bounds the year to 2000–2200 and
 * month and day to their ranges, and validateBill / isCalendarDate (./dates.ts) check
 * that the day exists.
 */
export const DateS = Type.String({
  pattern: '^(2[01]\\d\\d|2200)-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$',
  description: 'ISO date (Asia/Shanghai civil date), year 2000–2200',
});
/** Free text PostgreSQL can store: `text` cannot hold NUL. */
export const NO_NUL_PATTERN = '^[^\\u0000]*$';
const strict = { additionalProperties: false } as const;

export const BillLineWireSchema = Type.Object(
  {
    itemCode: Type.String({ minLength: 1, maxLength: 64, pattern: NO_NUL_PATTERN }),
    name: Type.String({ maxLength: 200, pattern: NO_NUL_PATTERN }),
    kind: Type.Union([Type.Literal('drug'), Type.Literal('service'), Type.Literal('material')]),
    catalogClass: Type.Union([Type.Literal('A'), Type.Literal('B'), Type.Literal('C'), Type.Literal('OUT')]),
    quantity: LineDecimalS,
    unitPrice: LineDecimalS,
    amount: MoneyS,
    priceCeiling: Type.Optional(LineDecimalS),
    selfPayRatio: Type.Optional(LineDecimalS),
  },
  strict,
);

export const BillWireSchema = Type.Object(
  {
    visitNo: Type.String({ minLength: 1, maxLength: 64, pattern: NO_NUL_PATTERN }),
    hospital: Type.Object(
      {
        id: Type.String({ minLength: 1, pattern: NO_NUL_PATTERN }),
        level: Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3)]),
        regionCode: Type.String({ pattern: NO_NUL_PATTERN }),
      },
      strict,
    ),
    visitType: Type.Union([Type.Literal('inpatient'), Type.Literal('chronic_outpatient')]),
    admissionDate: DateS,
    dischargeDate: DateS,
    referral: Type.Boolean(),
    lines: Type.Array(BillLineWireSchema, { maxItems: 10000 }),
  },
  strict,
);

export const IdentityWireSchema = Type.Object({ category: Type.String({ minLength: 1 }), validFrom: DateS, validTo: Type.Union([DateS, Type.Null()]) }, strict);

export const PersonWireSchema = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    insuredRegion: Type.String({ pattern: '^\\d{6}$' }),
    scheme: Type.Union([Type.Literal('urban_rural_resident'), Type.Literal('employee')]),
    identities: Type.Array(IdentityWireSchema),
  },
  strict,
);

export const LedgerWireSchema = Type.Object(
  {
    year: Type.Integer(),
    inpatientAdmissions: Type.Integer(),
    basicDeductiblePaid: MoneyS,
    basicPaid: MoneyS,
    basicCostEntered: MoneyS,
    ciBase: MoneyS,
    ciDeductibleConsumed: MoneyS,
    ciPaid: MoneyS,
    assistancePaid: MoneyS,
    /** Always written; optional so ledgers stored before the field existed still validate (read as 0). */
    assistanceBase: Type.Optional(MoneyS),
    assistanceDeductibleConsumed: MoneyS,
    tiltPaid: MoneyS,
    extraPaid: Type.Record(Type.String(), MoneyS),
    patientInScopeBurden: MoneyS,
    patientPaid: MoneyS,
  },
  strict,
);

const BandWire = Type.Object({ from: MoneyS, to: Type.Union([MoneyS, Type.Null()]), ratio: DecimalS, amount: DecimalS, paidRaw: DecimalS });

export const LayerWireSchema = Type.Object({
  layer: Type.String(),
  fundCode: Type.String(),
  fundName: Type.String(),
  nationalField: Type.Union([Type.Literal('hifp_pay'), Type.Literal('hifmi_pay'), Type.Literal('maf_pay'), Type.Literal('oth_pay')]),
  base: MoneyS,
  deductibleApplied: MoneyS,
  bands: Type.Array(BandWire),
  limitBefore: Type.Union([MoneyS, Type.Null()]),
  limitAfter: Type.Union([MoneyS, Type.Null()]),
  paid: MoneyS,
  reasons: Type.Array(Type.String()),
  explanation: Type.String(),
});

export const SetlDetailWireSchema = Type.Object({
  fund_pay_type: Type.String(),
  inscp_scp_amt: MoneyS,
  crt_payb_lmt_amt: Type.Union([MoneyS, Type.Null()]),
  fund_payamt: MoneyS,
  setl_proc_info: Type.String(),
});

export const NationalWireSchema = Type.Object({
  medfee_sumamt: MoneyS,
  fulamt_ownpay_amt: MoneyS,
  overlmt_selfpay: MoneyS,
  preselfpay_amt: MoneyS,
  inscp_scp_amt: MoneyS,
  act_pay_dedc: MoneyS,
  hifp_pay: MoneyS,
  hifmi_pay: MoneyS,
  maf_pay: MoneyS,
  oth_pay: MoneyS,
  fund_pay_sumamt: MoneyS,
  psn_part_amt: MoneyS,
  setldetail: Type.Array(SetlDetailWireSchema),
});

const CandidateWire = Type.Object({ category: Type.Union([Type.String(), Type.Null()]), patientShare: MoneyS, fundTotal: MoneyS, note: Type.String() });

export const SettlementWireSchema = Type.Object({
  policy: Type.Object({ id: Type.String(), region: Type.String(), version: Type.String() }),
  decidingDate: DateS,
  policyYear: Type.Integer(),
  split: Type.Object({ total: MoneyS, fullySelfPaid: MoneyS, overLimit: MoneyS, preSelfPay: MoneyS, inScope: MoneyS, outOfCatalog: MoneyS }),
  layers: Type.Array(LayerWireSchema),
  fundTotal: MoneyS,
  patientShare: MoneyS,
  identity: Type.Object({
    used: Type.Union([Type.String(), Type.Null()]),
    considered: Type.Array(CandidateWire),
    ignored: Type.Array(Type.Object({ category: Type.String(), reason: Type.String() })),
  }),
  ledgerBefore: LedgerWireSchema,
  ledgerAfter: LedgerWireSchema,
  ledgerDelta: LedgerWireSchema,
  warnings: Type.Array(Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Record(Type.String(), Type.String())) })),
  national: NationalWireSchema,
});

export type BillLineWire = Static<typeof BillLineWireSchema>;
export type BillWire = Static<typeof BillWireSchema>;
export type IdentityWire = Static<typeof IdentityWireSchema>;
export type PersonWire = Static<typeof PersonWireSchema>;
export type LedgerWire = Static<typeof LedgerWireSchema>;
export type LayerWire = Static<typeof LayerWireSchema>;
export type NationalWire = Static<typeof NationalWireSchema>;
export type SettlementWire = Static<typeof SettlementWireSchema>;
