import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.js';
import { lockLedger } from '../db/repositories/ledgers.js';
import { findSettlement, insertSettlement, laterActiveSettlements, linkReversal, lockSettlement } from '../db/repositories/settlements.js';
import { applyDelta, emptyLedger, ledgerDelta, ledgersEqual, negateDelta } from '../domain/ledger.js';
import { Money, fmt } from '../domain/money.js';
import { ledgerFromWire, ledgerToWire, type SettlementWire } from '../domain/wire.js';
import { AppError, notFound } from '../http/errors.js';
import type { SettlementRecord } from '../http/schemas/settlements.js';
import type { Actor } from './actor.js';
import { toRecord } from './records.js';

/** "-0.00" never reaches the wire or the table. */
const neg = (s: string): string => {
  const d = new Money(s);
  return d.isZero() ? '0.00' : fmt(d.negated());
};

/**
 * 结算撤销: a new reversal row with equal and opposite amounts, linked to the original;
 * the ledger loses exactly the original's delta. The original row is locked first, so
 * two reversals of one settlement serialise and the second answers ALREADY_REVERSED.
 *
 * Only the settlement the person's ledger of that year last took may be reversed (its
 * ledger is exactly as the settlement left it): later settlements were computed on top
 * of it (its deductible borne, its base in the bands, its admission counted), so taking
 * it out from under them and settling the visit again would count those twice or not at
 * all. Later ones are reversed first, newest first (NOT_LATEST_SETTLEMENT otherwise).
 */
export async function reverseSettlement(db: Db, id: string, reason: string, actor?: Actor): Promise<SettlementRecord> {
  const reversalId = randomUUID();
  await db.transaction().execute(async (trx) => {
    const orig = await lockSettlement(trx, id);
    if (!orig) throw notFound('SETTLEMENT_NOT_FOUND', id);
    if (orig.kind === 'reversal') throw new AppError('NOT_REVERSIBLE', `${id} is itself a reversal`, { settlementId: id, reverses: orig.reverses_id });
    if (orig.reversed_by_id) throw new AppError('ALREADY_REVERSED', `settlement ${id} is already reversed`, { settlementId: id, reversedBy: orig.reversed_by_id });
    const wire = orig.result as SettlementWire;
    const year = orig.policy_year;
    const current = ledgerFromWire(await lockLedger(trx, orig.person_id, year, ledgerToWire(emptyLedger(year))));
    if (!ledgersEqual(current, ledgerFromWire(wire.ledgerAfter))) {
      const later = await laterActiveSettlements(trx, orig.id);
      const why = later > 0
        ? `${later} later settlement(s) were computed on top of it; reverse those first, newest first (a later one at another hospital is that hospital's to reverse)`
        : 'the ledger changed after it without a later active settlement (an earlier settlement reversed out of order before this rule); it cannot be taken out on its own: ops must look at this ledger';
      throw new AppError('NOT_LATEST_SETTLEMENT', `settlement ${id} is not the last one person ${orig.person_id}'s ${year} ledger took: ${why}`, {
        settlementId: id, personId: orig.person_id, year, laterSettlements: later,
      });
    }
    const delta = ledgerDelta(ledgerFromWire(wire.ledgerBefore), ledgerFromWire(wire.ledgerAfter));
    const after = applyDelta(current, negateDelta(delta));
    const funds = wire.layers.map((l) => ({ layer: l.layer, fundCode: l.fundCode, nationalField: l.nationalField, base: neg(l.base), paid: neg(l.paid) }));
    await insertSettlement(trx, {
      id: reversalId,
      kind: 'reversal',
      reverses_id: orig.id,
      hospital_id: orig.hospital_id,
      person_id: orig.person_id,
      visit_no: orig.visit_no,
      visit_type: orig.visit_type,
      admission_date: orig.admission_date,
      discharge_date: orig.discharge_date,
      settlement_date: orig.settlement_date,
      deciding_date: orig.deciding_date,
      policy_year: year,
      policy_version_id: orig.policy_version_id,
      identity_used: orig.identity_used,
      idempotency_key: null,
      reason,
      amount_total: neg(wire.split.total),
      amount_fully_self_paid: neg(wire.split.fullySelfPaid),
      amount_over_limit: neg(wire.split.overLimit),
      amount_pre_self_pay: neg(wire.split.preSelfPay),
      amount_in_scope: neg(wire.split.inScope),
      amount_fund_total: neg(wire.fundTotal),
      amount_patient: neg(wire.patientShare),
      result: { funds, ledgerBefore: ledgerToWire(current), ledgerAfter: ledgerToWire(after) },
      fundLines: funds.map((f) => ({ layer: f.layer, fund_code: f.fundCode, national_field: f.nationalField, amount_base: f.base, amount_paid: f.paid })),
      inputs: null,
      ledger: { year, data: ledgerToWire(after) },
      audit: actor && { ...actor, action: 'settlement.reverse' },
      // A reversal undoes amounts already settled: whatever the registry says now does not matter.
      hospitalTerms: null,
    });
    if (!(await linkReversal(trx, orig.id, reversalId))) throw new AppError('ALREADY_REVERSED', `settlement ${id} is already reversed`, { settlementId: id });
  });
  const row = await findSettlement(db, reversalId);
  if (!row) throw notFound('SETTLEMENT_NOT_FOUND', reversalId);
  return toRecord(row);
}
