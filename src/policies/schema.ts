import { Type, type Static } from 'typebox';

/*
 * The shape of a policy pack: one version of one region's settlement rules, as data.
 * Amounts and ratios are decimal strings (never JSON numbers), so that no yuan ever
 * passes through a float. Ratios are fractions ("0.70"), never percents.
 *
 * Shape checks live here; semantic checks (ratios in [0,1], ascending bands, defined
 * categories, sane dates, every number cited) live in ./semantic.ts and ./citations.ts.
 */

/** A non-negative or negative decimal: the sign is checked semantically for a clearer message. */
export const Amount = Type.String({ pattern: '^-?\\d{1,12}(\\.\\d{1,2})?$', description: 'yuan, decimal string' });
export const Ratio = Type.String({ pattern: '^-?\\d+(\\.\\d+)?$', description: 'fraction, decimal string' });
export const IsoDateS = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
export const Code = Type.String({ minLength: 1, maxLength: 64 });
const strict = { additionalProperties: false } as const;

/** A band [from, next band's from) of a base, paid at `ratio`. `from` is an absolute threshold. */
export const Band = Type.Object({ from: Amount, ratio: Ratio }, strict);
export const Bands = Type.Array(Band, { minItems: 1 });

export const ByLevel = <T extends ReturnType<typeof Type.String> | typeof Bands>(t: T) =>
  Type.Object({ '1': t, '2': t, '3': t }, strict);

/** Category codes a rule applies to; null means every insured person. */
const CategoryList = Type.Union([Type.Array(Code), Type.Null()]);

export const CategoryDef = Type.Object(
  {
    code: Code,
    name: Type.String(),
    /** Stable-exit style categories settle as ordinary insured people (no tilt at all). */
    ordinaryTreatment: Type.Boolean(),
  },
  strict,
);

export const LaterAdmissions = Type.Union([
  Type.Object({ kind: Type.Literal('step'), cutPerAdmission: Ratio, floorFactor: Ratio, requiresReferral: Type.Boolean(), categories: CategoryList }, strict),
  Type.Object({ kind: Type.Literal('table'), factors: Type.Array(Ratio, { minItems: 1 }), requiresReferral: Type.Boolean(), categories: CategoryList }, strict),
]);

export const BasicLayer = Type.Object(
  {
    fundCode: Code,
    fundName: Type.String(),
    deductibleMode: Type.Union([Type.Literal('per_admission'), Type.Literal('annual')]),
    deductibleByLevel: ByLevel(Amount),
    laterAdmissions: Type.Union([LaterAdmissions, Type.Null()]),
    /** Referred (规范转诊) patients count the deductible already paid this year against this one. */
    referralCarry: Type.Object({ enabled: Type.Boolean(), categories: CategoryList }, strict),
    /** Bands of the admission's in-scope cost (absolute thresholds, first from 0). */
    ratioByLevel: ByLevel(Bands),
    annualCap: Amount,
    capKind: Type.Union([Type.Literal('fund_paid'), Type.Literal('cost_entered')]),
    chronicOutpatient: Type.Object({ deductiblePerVisit: Amount, ratio: Ratio }, strict),
  },
  strict,
);

export const RatioAdjust = Type.Union([
  Type.Object({ kind: Type.Literal('add'), value: Ratio }, strict),
  Type.Object({ kind: Type.Literal('set'), value: Ratio }, strict),
]);

export const CiTilt = Type.Object({ deductibleFactor: Ratio, ratioAdjust: RatioAdjust, capRemoved: Type.Boolean() }, strict);

export const CiDeductible = Type.Union([
  Type.Object({ kind: Type.Literal('fixed'), amount: Amount }, strict),
  /** Wenzhou: a share of last year's per-capita disposable income. */
  Type.Object(
    {
      kind: Type.Literal('income_share'),
      share: Ratio,
      incomePrevYear: Amount,
      /**
       * The year incomePrevYear was measured in: a settlement of a later policy year than
       * incomeYear + 1 still pays on it, and carries a STALE_INCOME_BASE warning saying so.
       */
      incomeYear: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2200 })),
    },
    strict,
  ),
]);

export const CriticalIllnessLayer = Type.Object(
  {
    fundCode: Code,
    fundName: Type.String(),
    deductible: CiDeductible,
    /** Absolute thresholds on the annual accumulated base. */
    bands: Bands,
    annualCap: Type.Union([Amount, Type.Null()]),
    basicDeductibleEntersBase: Type.Boolean(),
    includesChronicOutpatient: Type.Boolean(),
    tilts: Type.Record(Type.String(), CiTilt),
  },
  strict,
);

export const AssistanceCategory = Type.Object(
  {
    /** Bands as absolute thresholds on the year's running assistance base after the deductible (分段救助 when several). */
    bands: Bands,
    /** Annual deductible, tracked in the ledger. */
    deductible: Amount,
    /** Annual limit shared by inpatient and chronic-outpatient settlements. */
    annualLimit: Amount,
  },
  strict,
);

export const AssistanceLayer = Type.Object(
  {
    fundCode: Code,
    fundName: Type.String(),
    preSelfPayEntersBase: Type.Boolean(),
    byCategory: Type.Record(Type.String(), AssistanceCategory),
  },
  strict,
);

export const TiltLayer = Type.Object(
  {
    fundCode: Code,
    fundName: Type.String(),
    requiresReferral: Type.Boolean(),
    /** 'remaining': what assistance left; 'above_assistance_limit': only the base assistance could not reach because of its limit. */
    baseKind: Type.Union([Type.Literal('remaining'), Type.Literal('above_assistance_limit')]),
    deductiblePerSettlement: Amount,
    ratioByCategory: Type.Record(Type.String(), Ratio),
    limit: Amount,
    limitKind: Type.Union([Type.Literal('annual'), Type.Literal('per_admission')]),
    /** false: settled later on application, so the one-stop settlement pays nothing here. */
    settledAtCounter: Type.Boolean(),
  },
  strict,
);

export const ExtraLayer = Type.Object(
  {
    id: Code,
    fundCode: Code,
    fundName: Type.String(),
    /** Where it runs: before assistance (assistance sees the burden after it) or after the tilt. */
    position: Type.Union([Type.Literal('before_assistance'), Type.Literal('after_tilt')]),
    effectiveFrom: Type.Union([IsoDateS, Type.Null()]),
    categories: CategoryList,
    preSelfPayEntersBase: Type.Boolean(),
    deductiblePerSettlement: Amount,
    bands: Bands,
    annualLimit: Type.Union([Amount, Type.Null()]),
  },
  strict,
);

export const Citation = Type.Union([
  Type.Object({ doc: Type.String({ pattern: '^\\d{3}_[0-9a-f]{16}\\.txt$' }), article: Type.String({ minLength: 1 }), quote: Type.String({ minLength: 2 }) }, strict),
  Type.Object({ assumed: Type.Literal(true), reason: Type.String({ minLength: 10 }) }, strict),
]);

export const PolicyPackSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9-]+$' }),
    /** Administrative division code of the pooling region (000000 = national baseline). */
    region: Type.String({ pattern: '^\\d{6}$' }),
    version: Type.String({ minLength: 1 }),
    title: Type.String(),
    sourceDocs: Type.Array(Type.String()),
    effectiveFrom: IsoDateS,
    effectiveTo: Type.Union([IsoDateS, Type.Null()]),
    decidingDate: Type.Union([Type.Literal('discharge'), Type.Literal('settlement')]),
    /** Identities newly granted take effect on the first day of the following month. */
    identityStartsNextMonth: Type.Boolean(),
    /** In precedence order: a tie in patient share goes to the earlier category. */
    categories: Type.Array(CategoryDef),
    split: Type.Object({ bSelfPayRatioDefault: Ratio, bSelfPayRatioByItem: Type.Record(Type.String(), Ratio), priceCeilingByItem: Type.Record(Type.String(), Amount) }, strict),
    basic: BasicLayer,
    criticalIllness: CriticalIllnessLayer,
    assistance: AssistanceLayer,
    tilt: Type.Union([TiltLayer, Type.Null()]),
    extraLayers: Type.Array(ExtraLayer),
    warnings: Type.Object(
      {
        largeExpenseThreshold: Type.Union([Amount, Type.Null()]),
        outOfCatalogShareMaxByLevel: Type.Object({ '1': Type.Union([Ratio, Type.Null()]), '2': Type.Union([Ratio, Type.Null()]), '3': Type.Union([Ratio, Type.Null()]) }, strict),
      },
      strict,
    ),
    citations: Type.Record(Type.String(), Citation),
  },
  strict,
);

export type PolicyPackShape = Static<typeof PolicyPackSchema>;
export type BandShape = Static<typeof Band>;
export type CitationShape = Static<typeof Citation>;
