/*
 * The public surface of the settlement core. The service layer imports from here.
 */
export { settle, settleAs, validateBill } from './engine.js';
export { selectPolicy, decidingDate, policyYearOf, regionFallbacks, inForce } from './select.js';
export { emptyLedger, ledgerDelta, applyDelta, negateDelta, ledgersEqual, LEDGER_MONEY_FIELDS, type LedgerDelta } from './ledger.js';
export { billFromWire, billToWire, personFromWire, personToWire, ledgerToWire, ledgerFromWire, settlementToWire } from './wire.js';
export * from './wire-schema.js';
export { nationalView } from './national.js';
export { DomainError } from './errors.js';
export { isCalendarDate, YEAR_MIN, YEAR_MAX } from './dates.js';
export type * from './types.js';
