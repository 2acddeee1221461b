import type { Decimal } from 'decimal.js';
import { min, nonNeg } from '../money.js';
import type { Bill, BillSplit, IsoDate, Ledger, LayerResult } from '../types.js';
import type { PolicyPack } from '../../policies/types.js';

/*
 * What one candidate computation (one identity, or ordinary) carries from layer to
 * layer. `work` is a private copy of the ledger that the layers advance; `pool` is the
 * personal burden still open to later layers, kept in two parts because some layers
 * may also pay the B pre-self-pay and others may not.
 */

export interface Pool {
  inScopeLeft: Decimal;
  preSelfPayLeft: Decimal;
}

export interface LayerCtx {
  bill: Bill;
  pack: PolicyPack;
  split: BillSplit;
  /** The ledger before this settlement (limits and running totals read from it). */
  before: Ledger;
  /** The ledger being advanced by this candidate's layers. */
  work: Ledger;
  pool: Pool;
  category: string | null;
  date: IsoDate;
}

export function poolBase(pool: Pool, includesPreSelfPay: boolean): Decimal {
  return includesPreSelfPay ? pool.inScopeLeft.plus(pool.preSelfPayLeft) : pool.inScopeLeft;
}

/**
 * Takes a payment out of the pool, from the pre-self-pay part first. Taking that part
 * first keeps every later layer's base non-decreasing in the bill (monotonicity).
 */
export function takeFromPool(pool: Pool, paid: Decimal, includesPreSelfPay: boolean): void {
  const fromPre = includesPreSelfPay ? min(paid, pool.preSelfPayLeft) : paid.times(0);
  pool.preSelfPayLeft = pool.preSelfPayLeft.minus(fromPre);
  pool.inScopeLeft = nonNeg(pool.inScopeLeft.minus(paid.minus(fromPre)));
}

export function appliesTo(categories: readonly string[] | null, category: string | null): boolean {
  return categories === null || (category !== null && categories.includes(category));
}

export type LayerHead = Pick<LayerResult, 'layer' | 'fundCode' | 'fundName' | 'nationalField'>;
