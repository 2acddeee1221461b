import { randomUUID } from 'node:crypto';
import { pgTransaction, type Db } from '../db/database.js';
import { lockLedger, readLedger } from '../db/repositories/ledgers.js';
import { findIdempotencyRecord, findSettlement, insertSettlement, openSettlement, type OpenedSettlement, type SettlementInsert } from '../db/repositories/settlements.js';
import { settle } from '../domain/engine.js';
import { certainYear } from '../domain/select.js';
import { emptyLedger } from '../domain/ledger.js';
import { ledgerFromWire, ledgerToWire, settlementToWire, type LedgerWire, type SettlementWire } from '../domain/wire.js';
import { AppError } from '../http/errors.js';
import type { SettleRequest, SettlementRecord } from '../http/schemas/settlements.js';
import { canonicalJson, jsonDiff, sha256 } from './canonical.js';
import type { Actor } from './actor.js';
import type { Clock } from './clock.js';
import type { PolicyStore } from './policies.js';
import { insertedRow, toRecord } from './records.js';
import { prepareFromRegistry, prepareSettlement, type PreparedSettlement } from './settlement-input.js';
import { activeSettlementOf, isUniqueViolation } from './db-errors.js';

/** Test seams: a hook that runs inside the transaction right after the settlement insert. */
export interface SettlementHooks {
  afterSettlementInsert?: (settlementId: string) => Promise<void> | void;
}

export interface SettleDeps {
  db: Db;
  policies: PolicyStore;
  clock: Clock;
  hooks?: SettlementHooks;
  /** Who settles: recorded in the audit log by the settlement's own insert. */
  actor?: Actor;
}

export interface PreviewResult {
  preview: true;
  binding: false;
  policyVersionId: string;
  settlementDate: string;
  settlement: SettlementWire;
}

/** 预结算: the same computation as settle against the current ledger; writes nothing. */
export async function previewSettlement(deps: SettleDeps, req: SettleRequest): Promise<PreviewResult> {
  const p = await prepareSettlement(deps.db, deps.policies, req, deps.clock());
  const ledger = (await readLedger(deps.db, p.person.id, p.year)) ?? ledgerToWire(emptyLedger(p.year));
  const result = settle({ bill: p.bill, person: p.person, ledger: ledgerFromWire(ledger), policy: p.policy, settlementDate: p.settlementDate });
  return { preview: true, binding: false, policyVersionId: p.policy.id, settlementDate: p.settlementDate, settlement: settlementToWire(result) };
}

function settlementRow(id: string, key: string, p: PreparedSettlement, wire: SettlementWire): SettlementInsert {
  return {
    id,
    kind: 'settlement',
    reverses_id: null,
    hospital_id: p.hospital.id,
    person_id: p.person.id,
    visit_no: p.bill.visitNo,
    visit_type: p.bill.visitType,
    admission_date: p.bill.admissionDate,
    discharge_date: p.bill.dischargeDate,
    settlement_date: p.settlementDate,
    deciding_date: wire.decidingDate,
    policy_year: wire.policyYear,
    policy_version_id: p.policy.id,
    identity_used: wire.identity.used,
    idempotency_key: key,
    reason: null,
    amount_total: wire.split.total,
    amount_fully_self_paid: wire.split.fullySelfPaid,
    amount_over_limit: wire.split.overLimit,
    amount_pre_self_pay: wire.split.preSelfPay,
    amount_in_scope: wire.split.inScope,
    amount_fund_total: wire.fundTotal,
    amount_patient: wire.patientShare,
    result: wire,
    fundLines: wire.layers.map((l) => ({ layer: l.layer, fund_code: l.fundCode, national_field: l.nationalField, amount_base: l.base, amount_paid: l.paid })),
    hospitalTerms: { level: p.hospital.level, regionCode: p.hospital.region_code },
    inputs: { bill: p.billWire, person: p.personWire, ledger_before: wire.ledgerBefore, ledger_after: wire.ledgerAfter },
    ledger: { year: p.year, data: wire.ledgerAfter },
  };
}

/**
 * 结算, in one transaction on one pg connection, four round trips (BEGIN and COMMIT
 * included), both statements named prepared statements:
 * 1. openSettlement: read the hospital and the person, claim the idempotency key and lock
 *    (or create) the person's ledger row for the policy year, when that year is already
 *    certain (see certainYear);
 * 2. validate and select the policy (when the year was not certain, lock its ledger row
 *    now: one more round trip), run the engine;
 * 3. insertSettlement: the settlement with its fund lines, input snapshot, audit row and
 *    the ledger update.
 * A key seen before answers with the stored, committed outcome (or 409 when the body
 * differs): the claim finds it, waiting for an uncommitted holder to finish first, and
 * that answer wins over whatever the registry says now. Anything refused after the claim
 * rolls the claim back with the transaction.
 */
export async function settleRequest(deps: SettleDeps, req: SettleRequest, key: string): Promise<{ record: SettlementRecord; replayed: boolean }> {
  const requestJson = canonicalJson(req);
  const requestHash = sha256(requestJson);
  const settlementDate = deps.clock();
  const packs = await deps.policies.all();
  const id = randomUUID();
  const lockedYear = certainYear(packs, req.dischargeDate, settlementDate);
  let taken: Pick<OpenedSettlement<LedgerWire>, 'hospital' | 'person'> | undefined;
  let inserted: SettlementRecord | undefined;
  let p: PreparedSettlement | undefined;
  try {
    await pgTransaction(deps.db, async (client) => {
      const open = await openSettlement<LedgerWire>(
        client,
        { hospitalCode: req.hospitalCode, personId: req.personId, onDate: req.dischargeDate },
        { key, requestHash, requestJson, settlementId: id },
        lockedYear === null ? null : { year: lockedYear, empty: ledgerToWire(emptyLedger(lockedYear)) },
      );
      if (!open.claimed) {
        taken = open;
        return;
      }
      p = prepareFromRegistry(packs, req, settlementDate, open.hospital, open.person);
      const year = p.year;
      if (lockedYear !== null && year !== lockedYear) throw new Error(`policy year ${year} of ${req.visitNo} is not the certain year ${lockedYear}`);
      const ledgerBefore = open.ledger ?? (await lockLedger(client, p.person.id, year, ledgerToWire(emptyLedger(year))));
      const result = settle({ bill: p.bill, person: p.person, ledger: ledgerFromWire(ledgerBefore), policy: p.policy, settlementDate: p.settlementDate });
      const wire = settlementToWire(result);
      const row: SettlementInsert = { ...settlementRow(id, key, p, wire), audit: deps.actor && { ...deps.actor, action: 'settlement.create' } };
      const created = await insertSettlement(client, row);
      if (created === null) {
        // The claim above holds a key-share lock on the hospital row since, so a change of
        // its level or region can only have committed before the insert: a retry sees it.
        throw new AppError('HOSPITAL_CHANGED', `hospital ${p.hospital.code} changed its level or region for ${p.bill.dischargeDate} while visit ${p.bill.visitNo} was being settled; nothing was written, send the request again`, {
          hospitalCode: p.hospital.code, dischargeDate: p.bill.dischargeDate,
        });
      }
      await deps.hooks?.afterSettlementInsert?.(id);
      inserted = toRecord(insertedRow(row, p.hospital.code, created));
    });
  } catch (err) {
    if (p && isUniqueViolation(err, 'settlements_one_active_visit')) {
      const existing = await activeSettlementOf(deps.db, p.hospital.id, p.bill.visitNo);
      throw new AppError('VISIT_ALREADY_SETTLED', `visit ${p.bill.visitNo} of hospital ${p.hospital.code} is already settled; reverse it first`, {
        visitNo: p.bill.visitNo,
        hospitalCode: p.hospital.code,
        settlementId: existing ?? null,
      });
    }
    throw err;
  }
  if (taken) {
    // The key is another request's (committed, possibly while this one waited), or the
    // hospital or person is unknown: a stored answer first, else the registry's refusal.
    const again = await replayByKey(deps.db, key, requestHash, req);
    if (again) return again;
    prepareFromRegistry(packs, req, settlementDate, taken.hospital, taken.person);
    throw new Error(`idempotency key ${key} is claimed but has no record`);
  }
  if (!inserted) throw new Error(`settlement ${id} committed without a record`);
  return { record: inserted, replayed: false };
}

async function replayByKey(db: Db, key: string, requestHash: string, req: SettleRequest): Promise<{ record: SettlementRecord; replayed: true } | null> {
  const rec = await findIdempotencyRecord(db, req.hospitalCode, key);
  if (!rec) return null;
  if (rec.request_hash !== requestHash) {
    const differences = jsonDiff(rec.request, req).map((d) => ({ path: d.path, stored: d.left, received: d.right }));
    throw new AppError('IDEMPOTENCY_CONFLICT', `Idempotency-Key ${key} was used with a different body (${differences.map((d) => d.path).slice(0, 5).join(', ')} differ)`, {
      idempotencyKey: key,
      settlementId: rec.settlement_id,
      differences,
    });
  }
  const row = await findSettlement(db, rec.settlement_id);
  if (!row) throw new Error(`idempotency record ${key} points at missing settlement ${rec.settlement_id}`);
  return { record: { ...toRecord(row), replayed: true }, replayed: true };
}
