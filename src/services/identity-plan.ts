import { addDays } from './dates.js';
import { isCalendarDate, YEAR_MAX, YEAR_MIN } from '../domain/index.js';
import { idCardProblem } from './id-card.js';
import { ROWS_PER_TURN } from './turns.js';

/*
 * Plans an identity import without touching the database: checks every row and decides,
 * per person and category, what to insert and which existing windows to close. Pure, so
 * the rules are tested directly and thousands of rows plan in milliseconds.
 *
 * Rules against the stored windows of the same person and category:
 *   - the same window again (monthly full lists resend everyone) → unchanged;
 *   - no overlap → a new window;
 *   - an open window that started earlier → it is closed the day before, the new one opens
 *     (a correction or renewal from a date: history before it is kept);
 *   - an open window with the same start and the row has an end → that window is closed
 *     at the row's end (the identity ended);
 *   - anything else overlapping → WINDOW_OVERLAP. Rows of one file must not overlap.
 */

export interface ImportRow {
  idCard: string;
  category: string;
  validFrom: string;
  validTo: string | null;
}

export interface StoredWindow {
  id: string;
  personId: string;
  category: string;
  validFrom: string;
  validTo: string | null;
}

export type RowErrorCode = 'ROW_INVALID' | 'ID_CARD_INVALID' | 'UNKNOWN_CATEGORY' | 'WINDOW_INVERTED' | 'UNKNOWN_PERSON' | 'AMBIGUOUS_PERSON' | 'WINDOW_OVERLAP';

export interface RowError {
  /** 1-based data row (CSV: the row's line in the file minus one, blank lines counted; see rowsFromCsv). */
  row: number;
  field: string;
  code: RowErrorCode;
  message: string;
}

export interface ImportPlan {
  errors: RowError[];
  inserts: Array<{ personId: string; category: string; validFrom: string; validTo: string | null }>;
  closes: Array<{ id: string; validTo: string }>;
  unchanged: number;
}

const overlaps = (a: { validFrom: string; validTo: string | null }, b: { validFrom: string; validTo: string | null }) =>
  (a.validTo === null || b.validFrom <= a.validTo) && (b.validTo === null || a.validFrom <= b.validTo);

function rowProblem(r: ImportRow, known: ReadonlySet<string>): Omit<RowError, 'row'> | null {
  // The same dates the JSON import's schema and the engine accept (CSV rows bypass the schema).
  if (!isCalendarDate(r.validFrom)) return { field: 'validFrom', code: 'ROW_INVALID', message: `validFrom ${JSON.stringify(r.validFrom)} is not a date (YYYY-MM-DD, years ${YEAR_MIN}–${YEAR_MAX})` };
  if (r.validTo !== null && !isCalendarDate(r.validTo)) return { field: 'validTo', code: 'ROW_INVALID', message: `validTo ${JSON.stringify(r.validTo)} is not a date (YYYY-MM-DD, years ${YEAR_MIN}–${YEAR_MAX})` };
  const card = idCardProblem(r.idCard);
  if (card) return { field: 'idCard', code: 'ID_CARD_INVALID', message: `ID-card number ${card}` };
  if (!known.has(r.category)) return { field: 'category', code: 'UNKNOWN_CATEGORY', message: `category ${JSON.stringify(r.category)} is not defined by any policy pack` };
  if (r.validTo !== null && r.validTo < r.validFrom) return { field: 'validTo', code: 'WINDOW_INVERTED', message: `window ends ${r.validTo}, before it starts ${r.validFrom}` };
  return null;
}

type PlanArgs = [
  rows: readonly ImportRow[],
  known: ReadonlySet<string>,
  personsByIdCard: ReadonlyMap<string, string[]>,
  stored: readonly StoredWindow[],
  /** The number each row is reported by (CSV line numbers); default its 1-based position. */
  rowNumbers?: readonly number[],
];

export function planImport(...args: PlanArgs): ImportPlan {
  const steps = planning(...args);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** planImport, letting the event loop turn while it works (see turnsEvery): the same plan. */
export async function planImportInTurns(turn: () => Promise<void>, ...args: PlanArgs): Promise<ImportPlan> {
  const steps = planning(...args);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await turn();
  }
}

/** The plan, pausing (yield) every ROWS_PER_TURN rows and groups; planImport and planImportInTurns drive it. */
function* planning(...[rows, known, personsByIdCard, stored, rowNumbers]: PlanArgs): Generator<void, ImportPlan> {
  const plan: ImportPlan = { errors: [], inserts: [], closes: [], unchanged: 0 };
  const groups = new Map<string, Array<{ row: number; personId: string; r: ImportRow }>>();
  for (const [i, r] of rows.entries()) {
    if (i % ROWS_PER_TURN === ROWS_PER_TURN - 1) yield;
    const row = rowNumbers?.[i] ?? i + 1;
    const p = rowProblem(r, known);
    if (p) {
      plan.errors.push({ row, ...p });
      continue;
    }
    const persons = personsByIdCard.get(r.idCard) ?? [];
    if (persons.length !== 1) {
      plan.errors.push({
        row, field: 'idCard', code: persons.length === 0 ? 'UNKNOWN_PERSON' : 'AMBIGUOUS_PERSON',
        message: persons.length === 0 ? 'no insured person has this ID-card number' : `${persons.length} insured persons share this ID-card number`,
      });
      continue;
    }
    const key = `${persons[0]}\u0000${r.category}`;
    const g = groups.get(key) ?? [];
    g.push({ row, personId: persons[0]!, r });
    groups.set(key, g);
  }

  const byGroup = new Map<string, StoredWindow[]>();
  for (const w of stored) {
    const key = `${w.personId}\u0000${w.category}`;
    const ws = byGroup.get(key);
    if (ws) ws.push({ ...w });
    else byGroup.set(key, [{ ...w }]);
  }
  let n = 0;
  for (const [key, items] of groups) {
    if (++n % ROWS_PER_TURN === 0) yield;
    items.sort((a, b) => (a.r.validFrom < b.r.validFrom ? -1 : a.r.validFrom > b.r.validFrom ? 1 : a.row - b.row));
    const windows = byGroup.get(key) ?? [];
    let prev: (typeof items)[number] | undefined;
    for (const it of items) {
      const { r, row } = it;
      if (prev && overlaps(prev.r, r)) {
        plan.errors.push({ row, field: 'validFrom', code: 'WINDOW_OVERLAP', message: `overlaps row ${prev.row} of this import (same person and category)` });
        continue;
      }
      prev = it;
      if (windows.some((w) => w.validFrom === r.validFrom && w.validTo === r.validTo)) {
        plan.unchanged++;
        continue;
      }
      const hit = windows.filter((w) => overlaps(w, r));
      const only = hit.length === 1 ? hit[0]! : undefined;
      if (hit.length === 0) {
        plan.inserts.push({ personId: it.personId, category: r.category, validFrom: r.validFrom, validTo: r.validTo });
      } else if (only && only.validTo === null && only.validFrom < r.validFrom) {
        only.validTo = addDays(r.validFrom, -1);
        plan.closes.push({ id: only.id, validTo: only.validTo });
        plan.inserts.push({ personId: it.personId, category: r.category, validFrom: r.validFrom, validTo: r.validTo });
      } else if (only && only.validTo === null && only.validFrom === r.validFrom && r.validTo !== null) {
        only.validTo = r.validTo;
        plan.closes.push({ id: only.id, validTo: r.validTo });
      } else {
        const w = hit[0]!;
        plan.errors.push({ row, field: 'validFrom', code: 'WINDOW_OVERLAP', message: `overlaps the stored ${r.category} window ${w.validFrom}..${w.validTo ?? 'open'} of this person` });
      }
    }
  }
  plan.errors.sort((a, b) => a.row - b.row);
  return plan;
}
