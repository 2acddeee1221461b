import { randomUUID } from 'node:crypto';
import { pgTransaction, TransactionNotBegun, type Db } from '../db/database.js';
import { lockLedger, readLedger } from '../db/repositories/ledgers.js';
import { findIdempotencyRecord, findSettlement, insertSettlements, openSettlements, type SettlementInsert } from '../db/repositories/settlements.js';
import type { HospitalRow, PersonWithIdentities } from '../db/repositories/reference.js';
import type { SettlementQueue } from './settle-queue.js';
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
import type { IsoDate } from '../domain/types.js';
import type { PolicyPack } from '../policies/types.js';
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
  /** Settlement workers that group concurrent requests into shared transactions; none: each runs alone. */
  queue?: SettlementQueue<SettleJob, SettleOutcome>;
  /** Where a shared transaction that failed is reported (its jobs are answered anyway). */
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
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

/** One settle request as the route received it. */
export interface SettleJob {
  req: SettleRequest;
  key: string;
  /** Who settles: recorded in the audit log by the settlement's own insert. */
  actor?: Actor | undefined;
}

export interface SettleOutcome {
  record: SettlementRecord;
  replayed: boolean;
}

/**
 * 结算 of one request. With `deps.queue` the request waits for a free settlement worker
 * and may share its transaction with other requests that waited meanwhile (group commit,
 * see SettlementQueue); without, it runs alone. Either way settleJobs does the work.
 */
export async function settleRequest(deps: SettleDeps, req: SettleRequest, key: string): Promise<SettleOutcome> {
  const job: SettleJob = { req, key, actor: deps.actor };
  return deps.queue ? deps.queue.submit(job) : settleAlone(deps, job);
}

/** What settling a job inside a shared transaction came to, before anything is answered. */
type Opened =
  | { kind: 'inserted'; record: SettlementRecord }
  /**
   * Nothing written for it: the key is another request's (committed, possibly while this
   * one waited), the hospital or person is unknown, or the visit is settled already.
   */
  | { kind: 'taken'; hospital: HospitalRow | undefined; person: PersonWithIdentities | undefined; settledAs: string | null; requestHash: string };

/** The clock's date and the policy packs, read once for a batch. */
interface BatchContext {
  settlementDate: IsoDate;
  packs: PolicyPack[];
}

/** A shared transaction failed because of one job (its index among the transaction's jobs). */
class JobFailed extends Error {
  constructor(
    readonly index: number,
    override readonly cause: unknown,
  ) {
    super(`job ${index} of a shared settlement transaction failed`);
  }
}

/**
 * Settles jobs together, in one transaction, when they can be: no two of them may share a
 * person or a hospital and key (the queue never puts such jobs together), and each must
 * know its policy year before reading the ledger (certainYear); the others run alone,
 * after. Jobs that write nothing (a key answered before, an unknown hospital or person, a
 * visit settled before) do not disturb the others. When the shared transaction fails,
 * it rolls back whole; then:
 * - if one job caused it (the registry or the engine refused its bill, its hospital
 *   changed), that job runs alone for its answer and the others are settled together
 *   again without it;
 * - if the database refused a statement (a visit being settled by another request right
 *   now, a deadlock), every job runs alone;
 * - if no transaction could begin at all (no connection: the database unreachable, or
 *   the pool busy for its whole wait), every job of it is answered 503
 *   SERVICE_UNAVAILABLE (nothing written) rather than waiting again alone.
 * Each job ends with the answer it would have had alone, given what committed before it.
 * Answers one result per job, in order.
 */
export async function settleJobs(deps: SettleDeps, jobs: readonly SettleJob[]): Promise<Array<PromiseSettledResult<SettleOutcome>>> {
  return settleWithin(deps, { settlementDate: deps.clock(), packs: await deps.policies.all() }, jobs);
}

/** settleJobs with the batch's date and packs read already: from here on nothing throws, every job gets its result. */
async function settleWithin(deps: SettleDeps, ctx: BatchContext, jobs: readonly SettleJob[]): Promise<Array<PromiseSettledResult<SettleOutcome>>> {
  const together: number[] = [];
  const seen = new Set<string>();
  jobs.forEach((j, i) => {
    const keys = conflictKeys(j);
    if (certainYear(ctx.packs, j.req.dischargeDate, ctx.settlementDate) !== null && keys.every((k) => !seen.has(k))) {
      together.push(i);
      keys.forEach((k) => seen.add(k));
    }
  });
  const results: Array<PromiseSettledResult<SettleOutcome> | undefined> = new Array(jobs.length);
  if (together.length > 1) {
    try {
      const opened = await inOneTransaction(deps, ctx, together.map((i) => jobs[i]!));
      for (const [n, i] of together.entries()) results[i] = await settledResult(afterCommit(deps, ctx, jobs[i]!, opened[n]!));
    } catch (err) {
      const failed = err instanceof JobFailed ? together[err.index]! : null;
      const cause = err instanceof JobFailed || err instanceof TransactionNotBegun ? err.cause : err;
      // A refused bill is routine (the client's mistake, answered 4xx); anything else is not.
      const level = cause instanceof AppError ? 'info' : 'warn';
      deps.log?.[level](
        { batch: together.length, failedVisit: failed === null ? null : jobs[failed]!.req.visitNo, err: cause },
        'shared settlement transaction rolled back; its jobs are settled again',
      );
      if (err instanceof TransactionNotBegun) {
        // Nothing of these jobs ran: each gets the same refusal; the others still run alone below.
        const reason = unavailable();
        for (const i of together) results[i] = { status: 'rejected', reason };
      } else if (failed !== null) {
        results[failed] = await settledResult(settleAlone(deps, jobs[failed]!, ctx));
        const rest = together.filter((i) => i !== failed);
        const again = await settleWithin(deps, ctx, rest.map((i) => jobs[i]!));
        rest.forEach((i, n) => (results[i] = again[n]!));
      }
    }
  }
  for (let i = 0; i < jobs.length; i++) results[i] ??= await settledResult(settleAlone(deps, jobs[i]!, ctx));
  return results as Array<PromiseSettledResult<SettleOutcome>>;
}

/** The person and the hospital's key: jobs sharing either never share a transaction. */
export function conflictKeys(job: SettleJob): string[] {
  return [`person:${job.req.personId}`, `key:${job.req.hospitalCode}:${job.key}`];
}

async function settledResult<T>(p: Promise<T>): Promise<PromiseSettledResult<T>> {
  return p.then((value) => ({ status: 'fulfilled', value }) as const, (reason: unknown) => ({ status: 'rejected', reason }) as const);
}

/**
 * 结算 of one job in a transaction of its own: three round trips (BEGIN leaves with the
 * first statement, see pgTransaction; COMMIT is the third), both statements named
 * prepared statements:
 * 1. openSettlements: read the hospital and the person, claim the idempotency key and lock
 *    (or create) the person's ledger row for the policy year, when that year is already
 *    certain (see certainYear);
 * 2. validate and select the policy (when the year was not certain, lock its ledger row
 *    now: one more round trip), run the engine;
 * 3. insertSettlements: the settlement with its fund lines, input snapshot, audit row and
 *    the ledger update.
 * A key seen before answers with the stored, committed outcome (or 409 when the body
 * differs): the claim finds it, waiting for an uncommitted holder to finish first, and
 * that answer wins over whatever the registry says now. Anything refused after the claim
 * rolls the claim back with the transaction.
 */
async function settleAlone(deps: SettleDeps, job: SettleJob, batch?: BatchContext): Promise<SettleOutcome> {
  const ctx = batch ?? { settlementDate: deps.clock(), packs: await deps.policies.all() };
  let opened: Opened;
  try {
    opened = (await inOneTransaction(deps, ctx, [job]))[0]!;
  } catch (e) {
    if (e instanceof TransactionNotBegun) {
      deps.log?.warn({ err: e.cause }, 'settlement transaction could not begin');
      throw unavailable();
    }
    const err = e instanceof JobFailed ? e.cause : e;
    if (isUniqueViolation(err, 'settlements_one_active_visit')) {
      // Settled by another request that committed while this one ran.
      const { hospitalCode, visitNo } = job.req;
      throw visitAlreadySettled(hospitalCode, visitNo, (await activeSettlementOf(deps.db, hospitalCode, visitNo)) ?? null);
    }
    throw err;
  }
  return afterCommit(deps, ctx, job, opened);
}

/** No connection could be had (the database unreachable, or every pooled connection busy for the pool's wait): nothing was written. */
function unavailable(): AppError {
  return new AppError('SERVICE_UNAVAILABLE', 'the database could not be reached in time; nothing was written, send the request again');
}

function visitAlreadySettled(hospitalCode: string, visitNo: string, settlementId: string | null): AppError {
  return new AppError('VISIT_ALREADY_SETTLED', `visit ${visitNo} of hospital ${hospitalCode} is already settled; reverse it first`, {
    visitNo,
    hospitalCode,
    settlementId,
  });
}

/**
 * The transaction of one or more jobs (see settleJobs for when they may share one): open
 * them all in one statement, prepare and run the engine for each claimed one, insert them
 * all in one statement, commit. A failure that belongs to one job is thrown as JobFailed;
 * a transaction that could not begin, as TransactionNotBegun (from pgTransaction).
 */
async function inOneTransaction(deps: SettleDeps, ctx: BatchContext, jobs: readonly SettleJob[]): Promise<Opened[]> {
  const { settlementDate, packs } = ctx;
  const claims = jobs.map((j) => {
    const requestJson = canonicalJson(j.req);
    return { requestJson, requestHash: sha256(requestJson), id: randomUUID(), lockedYear: certainYear(packs, j.req.dischargeDate, settlementDate) };
  });
  return pgTransaction(deps.db, async (client) => {
    const opens = await openSettlements<LedgerWire>(
      client,
      jobs.map((j, i) => {
        const c = claims[i]!;
        return {
          registry: { hospitalCode: j.req.hospitalCode, personId: j.req.personId, onDate: j.req.dischargeDate, visitNo: j.req.visitNo },
          claim: { key: j.key, requestHash: c.requestHash, requestJson: c.requestJson, settlementId: c.id },
          ledger: c.lockedYear === null ? null : { year: c.lockedYear, empty: ledgerToWire(emptyLedger(c.lockedYear)) },
        };
      }),
    );
    const rows: SettlementInsert[] = [];
    const out: Array<Opened | { kind: 'row'; row: SettlementInsert; p: PreparedSettlement; index: number }> = [];
    for (const [i, job] of jobs.entries()) {
      const open = opens[i]!;
      const c = claims[i]!;
      if (!open.claimed) {
        out.push({ kind: 'taken', hospital: open.hospital, person: open.person, settledAs: open.settledAs, requestHash: c.requestHash });
        continue;
      }
      let p: PreparedSettlement;
      let result: ReturnType<typeof settle>;
      try {
        p = prepareFromRegistry(packs, job.req, settlementDate, open.hospital, open.person, true);
        if (c.lockedYear !== null && p.year !== c.lockedYear) throw new Error(`policy year ${p.year} of ${job.req.visitNo} is not the certain year ${c.lockedYear}`);
        const ledgerBefore = open.ledger ?? (await lockLedger(client, p.person.id, p.year, ledgerToWire(emptyLedger(p.year))));
        result = settle({ bill: p.bill, person: p.person, ledger: ledgerFromWire(ledgerBefore), policy: p.policy, settlementDate: p.settlementDate });
      } catch (err) {
        throw new JobFailed(i, err);
      }
      const row: SettlementInsert = { ...settlementRow(c.id, job.key, p, settlementToWire(result)), audit: job.actor && { ...job.actor, action: 'settlement.create' } };
      rows.push(row);
      out.push({ kind: 'row', row, p, index: i });
    }
    const created = rows.length > 0 ? await insertSettlements(client, rows) : [];
    let n = 0;
    const opened: Opened[] = [];
    for (const o of out) {
      if (o.kind !== 'row') {
        opened.push(o);
        continue;
      }
      const c = created[n++];
      if (!c) {
        // The claim holds a key-share lock on the hospital row since, so a change of its
        // level or region can only have committed before the insert: a retry sees it.
        throw new JobFailed(o.index, new AppError('HOSPITAL_CHANGED', `hospital ${o.p.hospital.code} changed its level or region for ${o.p.bill.dischargeDate} while visit ${o.p.bill.visitNo} was being settled; nothing was written, send the request again`, {
          hospitalCode: o.p.hospital.code, dischargeDate: o.p.bill.dischargeDate,
        }));
      }
      try {
        await deps.hooks?.afterSettlementInsert?.(o.row.id);
      } catch (err) {
        throw new JobFailed(o.index, err);
      }
      opened.push({ kind: 'inserted', record: toRecord(insertedRow(o.row, o.p.hospital.code, c)) });
    }
    return opened;
  });
}

/** The answer to a job once its transaction committed. */
async function afterCommit(deps: SettleDeps, ctx: BatchContext, job: SettleJob, opened: Opened): Promise<SettleOutcome> {
  if (opened.kind === 'inserted') return { record: opened.record, replayed: false };
  // A stored answer first, else the registry's refusal, else the visit's.
  const again = await replayByKey(deps.db, job.key, opened.requestHash, job.req);
  if (again) return again;
  prepareFromRegistry(ctx.packs, job.req, ctx.settlementDate, opened.hospital, opened.person, true);
  if (opened.settledAs !== null) throw visitAlreadySettled(job.req.hospitalCode, job.req.visitNo, opened.settledAs);
  throw new Error(`idempotency key ${job.key} is claimed but has no record`);
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
