import type { Db } from '../db/database.js';
import { findInputs, findSettlement } from '../db/repositories/settlements.js';
import { settle } from '../domain/engine.js';
import { billFromWire, ledgerFromWire, personFromWire, settlementToWire, type BillWire, type LedgerWire, type PersonWire } from '../domain/wire.js';
import { AppError, notFound } from '../http/errors.js';
import type { ReplayResponse } from '../http/schemas/settlements.js';
import { jsonDiff } from './canonical.js';
import type { PolicyStore } from './policies.js';

/**
 * Recomputes a stored settlement from its input snapshot (bill, identities used, ledger
 * before, policy version, settlement date) and compares field by field. With another
 * policy version id it is a what-if: the recomputation is returned and written nowhere.
 */
export async function replaySettlement(db: Db, policies: PolicyStore, id: string, policyVersionId?: string): Promise<ReplayResponse> {
  const [row, inputs] = await Promise.all([findSettlement(db, id), findInputs(db, id)]);
  if (!row) throw notFound('SETTLEMENT_NOT_FOUND', id);
  if (row.kind === 'reversal' || !inputs) throw new AppError('NOT_REPLAYABLE', `${id} is a reversal; replay the settlement it reverses`, { settlementId: id, reverses: row.reverses_id });
  const versionId = policyVersionId ?? inputs.policy_version_id;
  const policy = await policies.get(versionId);
  if (!policy) throw notFound('POLICY_VERSION_NOT_FOUND', versionId);
  const result = settle({
    bill: billFromWire(inputs.bill as BillWire),
    person: personFromWire(inputs.person as PersonWire),
    ledger: ledgerFromWire(inputs.ledger_before as LedgerWire),
    policy,
    settlementDate: inputs.settlement_date,
  });
  const recomputed = settlementToWire(result);
  const differences = jsonDiff(row.result, recomputed).map((d) => ({
    path: d.path,
    ...(d.left !== undefined ? { stored: d.left } : {}),
    ...(d.right !== undefined ? { recomputed: d.right } : {}),
  }));
  return { settlementId: id, policyVersionId: versionId, whatIf: versionId !== inputs.policy_version_id, identical: differences.length === 0, differences, recomputed };
}
