import type { Decimal } from 'decimal.js';

/*
 * The contract of the pure settlement core. The engine takes a bill, the person with
 * their identities, the person's annual ledger before this settlement and the policy
 * pack version, and returns a Settlement value. No I/O, no clock, no randomness: the
 * settlement date is an input.
 *
 * Dates are ISO calendar dates "YYYY-MM-DD" (Asia/Shanghai civil dates, no time part).
 * Money is Decimal in here; wire conversion lives in ./wire.ts.
 */

export type IsoDate = string;
export type HospitalLevel = 1 | 2 | 3;
export type VisitType = 'inpatient' | 'chronic_outpatient';
export type ItemKind = 'drug' | 'service' | 'material';
/** 甲 A, 乙 B, 丙 C, or not in the catalog at all. */
export type CatalogClass = 'A' | 'B' | 'C' | 'OUT';
export type Scheme = 'urban_rural_resident' | 'employee';

export interface BillLine {
  itemCode: string;
  name: string;
  kind: ItemKind;
  catalogClass: CatalogClass;
  quantity: Decimal;
  unitPrice: Decimal;
  amount: Decimal;
  /** Catalog price ceiling (最高限价) per unit, if the item has one. */
  priceCeiling?: Decimal;
  /** Self-pay ratio of a class-B item, overriding the pack's default and per-item table. */
  selfPayRatio?: Decimal;
}

export interface BillHospital {
  id: string;
  level: HospitalLevel;
  regionCode: string;
}

export interface Bill {
  /** The hospital's visit / bill number (mdtrt_id analogue). Unique per hospital. */
  visitNo: string;
  hospital: BillHospital;
  visitType: VisitType;
  admissionDate: IsoDate;
  dischargeDate: IsoDate;
  /** 规范转诊: the patient came through a regular referral. */
  referral: boolean;
  lines: BillLine[];
}

/** One identity the civil-affairs / rural-revitalisation side recognises, with its window. */
export interface Identity {
  /** Category code, e.g. tekun 特困, dibao 低保, dibian 低边, yifanpin 易返贫致贫, jiandang 建档立卡,
   *  yinbing 因病致贫, tufa 突发严重困难户, wending 稳定脱贫. Open set: packs name the ones they know. */
  category: string;
  validFrom: IsoDate;
  /** Inclusive last day; null = open-ended. */
  validTo: IsoDate | null;
}

export interface Person {
  id: string;
  insuredRegion: string;
  scheme: Scheme;
  identities: Identity[];
}

/**
 * The person's accumulators for one policy year (domain.md §3), as they stand before
 * or after a settlement. Every field is a running total for the year.
 */
export interface Ledger {
  year: number;
  /** Inpatient admissions already settled this year (drives later-admission deductible cuts). */
  inpatientAdmissions: number;
  /** Basic-insurance deductible borne so far this year (annual deductibles, referral carry-over). */
  basicDeductiblePaid: Decimal;
  /** Basic fund paid this year (against the annual fund cap). */
  basicPaid: Decimal;
  /** In-scope cost that entered the basic fund this year (for caps on cost). */
  basicCostEntered: Decimal;
  /** Critical-illness base accumulated this year (personal in-scope burden after basic). */
  ciBase: Decimal;
  /** Critical-illness deductible consumed this year. */
  ciDeductibleConsumed: Decimal;
  /** Critical-illness fund paid this year. */
  ciPaid: Decimal;
  /** Medical-assistance paid this year (shared by inpatient and chronic outpatient). */
  assistancePaid: Decimal;
  /**
   * Assistance base accumulated this year, after the assistance deductible: the running
   * total the rising assistance bands (分段救助) are read against. Zero in ledgers stored
   * before it existed.
   */
  assistanceBase: Decimal;
  /** Assistance deductible consumed this year (annual assistance deductibles). */
  assistanceDeductibleConsumed: Decimal;
  /** Tilted assistance paid this year. */
  tiltPaid: Decimal;
  /** Each extra layer's payments this year, keyed by the layer id in the pack. */
  extraPaid: Record<string, Decimal>;
  /** The patient's own in-scope burden this year (for the large-expense warning). */
  patientInScopeBurden: Decimal;
  /** The patient's total share this year. */
  patientPaid: Decimal;
}

/** The input of one settlement computation. */
export interface SettleInput {
  bill: Bill;
  person: Person;
  /** Ledger of the policy year the deciding date falls in, before this settlement. */
  ledger: Ledger;
  /** Policy pack (one version) of the person's insured region, effective on the deciding date. */
  policy: import('../policies/types.js').PolicyPack;
  /** The date the settlement is made (an input: the domain has no clock). */
  settlementDate: IsoDate;
}

/** How the bill splits (domain.md §1). total = fullySelfPaid + overLimit + preSelfPay + inScope. */
export interface BillSplit {
  total: Decimal;
  /** 全自费: class C, out of catalog. */
  fullySelfPaid: Decimal;
  /** 超限价: above the price ceiling. */
  overLimit: Decimal;
  /** 乙类先行自付. */
  preSelfPay: Decimal;
  /** 政策范围内. */
  inScope: Decimal;
  /** Out-of-catalog (class OUT) spending alone, for the out-of-catalog ratio warning. */
  outOfCatalog: Decimal;
}

/** One band of a layer's computation: [from, to) of the layer's base at `ratio`. */
export interface BandApplied {
  from: Decimal;
  to: Decimal | null;
  ratio: Decimal;
  /** Part of the base that fell into this band in this settlement. */
  amount: Decimal;
  /** amount × ratio, unrounded. */
  paidRaw: Decimal;
}

/** One fund layer's result (one setldetail row). */
export interface LayerResult {
  /** Layer id from the pack: 'basic', 'critical_illness', 'assistance', 'tilt', or an extra layer's id. */
  layer: string;
  /** National fund type code (fund_pay_type), e.g. 390100. Data, not a closed enum. */
  fundCode: string;
  fundName: string;
  /** Which national aggregate this layer reports into. */
  nationalField: 'hifp_pay' | 'hifmi_pay' | 'maf_pay' | 'oth_pay';
  /** The base this layer saw in this settlement (inscp_scp_amt of its setldetail row). */
  base: Decimal;
  deductibleApplied: Decimal;
  bands: BandApplied[];
  /** Remaining annual (or per-admission) limit before/after; null when unlimited. */
  limitBefore: Decimal | null;
  limitAfter: Decimal | null;
  /** Amount paid, rounded once (HALF_UP to the cent, then never above base or limit). */
  paid: Decimal;
  /** Stable reason codes, e.g. BELOW_DEDUCTIBLE, CAP_REACHED, CATEGORY_NOT_ELIGIBLE. */
  reasons: string[];
  /** One Chinese sentence a cashier can read (结算过程信息). */
  explanation: string;
}

export interface IdentityCandidate {
  /** null = settled as an ordinary insured person. */
  category: string | null;
  patientShare: Decimal;
  fundTotal: Decimal;
  /** Why this candidate was or was not chosen / was ineligible. */
  note: string;
}

export interface IdentityChoice {
  /** The category used (null = ordinary). */
  used: string | null;
  /** Every identity valid on the deciding date, and the ordinary baseline, as evaluated. */
  considered: IdentityCandidate[];
  /** Identities held but not valid on the deciding date, or excluded (e.g. stable exit). */
  ignored: Array<{ category: string; reason: string }>;
}

export interface Warning {
  code: string;
  message: string;
  details?: Record<string, string>;
}

export interface Settlement {
  policy: { id: string; region: string; version: string };
  decidingDate: IsoDate;
  policyYear: number;
  split: BillSplit;
  layers: LayerResult[];
  fundTotal: Decimal;
  patientShare: Decimal;
  identity: IdentityChoice;
  ledgerBefore: Ledger;
  ledgerAfter: Ledger;
  warnings: Warning[];
}
