import type { ColumnType, Generated } from 'kysely';

/*
 * Table types, declared by hand from migrations/ (there is no generator in the stack).
 * Money (`numeric`) and dates are strings; json and jsonb columns hold the domain's wire
 * shapes (the append-only snapshots are json, stored as sent: migration 20261203100000).
 * Keep in step with migrations: the test/db schema test inserts through these types.
 */

/** `numeric(14,2)`: a decimal string on the way out, string on the way in. */
type Numeric = string;
/** `date` as "YYYY-MM-DD" (see the type parser in database.ts). */
type IsoDate = string;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = unknown> = ColumnType<T, string, string>;

export interface HospitalsTable {
  id: Generated<string>;
  code: string;
  name: string;
  level: number;
  region_code: string;
  designated_from: IsoDate;
  designated_to: IsoDate | null;
  created_at: Generated<Timestamp>;
}

export interface PersonsTable {
  id: string;
  name: string;
  id_card: string;
  insured_region: string;
  scheme: 'urban_rural_resident' | 'employee';
  created_at: Generated<Timestamp>;
}

export interface IdentitiesTable {
  id: Generated<string>;
  person_id: string;
  category: string;
  valid_from: IsoDate;
  valid_to: IsoDate | null;
  source: Generated<string>;
  batch: string | null;
  /** The import batch that closed this window (corrections close, never rewrite). */
  closed_batch: Generated<string | null>;
  created_at: Generated<Timestamp>;
}

/** One designated period of a hospital, with its level, region and name during it. */
export interface HospitalPeriodsTable {
  id: Generated<string>;
  hospital_id: string;
  name: string;
  level: number;
  region_code: string;
  valid_from: IsoDate;
  valid_to: IsoDate | null;
  created_at: Timestamp;
}

export interface IdentityImportsTable {
  batch_id: string;
  source: string;
  content_hash: string;
  report: Json;
  key_id: string | null;
  created_at: Timestamp;
}

/** Append-only: who did what, one row per write (and per person look-up). */
export interface AuditLogTable {
  id: Generated<string>;
  at: Timestamp;
  key_id: string | null;
  actor: string;
  action: string;
  target_type: string;
  target_id: string;
  detail: Json;
}

export interface PolicyVersionsTable {
  id: string;
  region_code: string;
  version: string;
  effective_from: IsoDate;
  effective_to: IsoDate | null;
  pack: Json;
  content_hash: string;
  origin: string;
  loaded_at: Generated<Timestamp>;
}

export interface ApiKeysTable {
  id: Generated<string>;
  key_hash: string;
  label: string;
  role: 'hospital' | 'cashier' | 'ops' | 'admin';
  hospital_id: string | null;
  key_prefix: Generated<string>;
  created_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface PersonLedgersTable {
  person_id: string;
  year: number;
  data: Json;
  updated_at: Generated<Timestamp>;
}

export interface SettlementsTable {
  id: string;
  kind: 'settlement' | 'reversal';
  reverses_id: string | null;
  reversed_by_id: string | null;
  hospital_id: string;
  person_id: string;
  visit_no: string;
  visit_type: string;
  admission_date: IsoDate;
  discharge_date: IsoDate;
  settlement_date: IsoDate;
  deciding_date: IsoDate;
  policy_year: number;
  policy_version_id: string;
  identity_used: string | null;
  idempotency_key: string | null;
  reason: string | null;
  amount_total: Numeric;
  amount_fully_self_paid: Numeric;
  amount_over_limit: Numeric;
  amount_pre_self_pay: Numeric;
  amount_in_scope: Numeric;
  amount_fund_total: Numeric;
  amount_patient: Numeric;
  result: Json;
  created_at: Generated<Timestamp>;
  /** How many fund lines the settlement has (checked at commit; migration 20261202090000). */
  fund_line_count: number;
  /**
   * The id of the transaction that wrote the row (xid8, read as its decimal text; '0' for
   * rows written before migration 20261204230000): the list's order.
   */
  xact_id: Generated<string>;
}

export interface SettlementFundLinesTable {
  settlement_id: string;
  seq: number;
  /** The settlement's fund_line_count (a foreign key pins it; seq < line_count). */
  line_count: number;
  reversal: boolean;
  layer: string;
  fund_code: string;
  national_field: string;
  amount_base: Numeric;
  amount_paid: Numeric;
}

export interface SettlementInputsTable {
  settlement_id: string;
  bill: Json;
  person: Json;
  ledger_before: Json;
  ledger_after: Json;
  policy_version_id: string;
  settlement_date: IsoDate;
}

export interface IdempotencyKeysTable {
  hospital_id: string;
  key: string;
  request_hash: string;
  request: Json;
  settlement_id: string;
  created_at: Generated<Timestamp>;
}

export interface DB {
  hospitals: HospitalsTable;
  hospital_periods: HospitalPeriodsTable;
  identity_imports: IdentityImportsTable;
  audit_log: AuditLogTable;
  persons: PersonsTable;
  identities: IdentitiesTable;
  policy_versions: PolicyVersionsTable;
  api_keys: ApiKeysTable;
  person_ledgers: PersonLedgersTable;
  settlements: SettlementsTable;
  settlement_fund_lines: SettlementFundLinesTable;
  settlement_inputs: SettlementInputsTable;
  idempotency_keys: IdempotencyKeysTable;
}
