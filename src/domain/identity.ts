import { nextDay } from './dates.js';
import type { Identity, IsoDate, Person } from './types.js';
import type { PolicyPack } from '../policies/types.js';

/*
 * Which of a person's identities can be settled under on the deciding date. Identities
 * come from civil-affairs and rural-revitalisation data, never from the bill. A
 * stable-exit (稳定脱贫) style category gets ordinary treatment, so it is not a
 * candidate of its own: the ordinary baseline already covers it.
 */

export interface IdentityScreen {
  /** Valid categories, deduplicated, in the pack's precedence order. */
  valid: string[];
  ignored: Array<{ category: string; reason: string }>;
}

/** First day of the month after `d` unless `d` already is a first day. */
export function startOfNextMonthUnlessFirst(d: IsoDate): IsoDate {
  if (d.endsWith('-01')) return d;
  let y = Number(d.slice(0, 4));
  let m = Number(d.slice(5, 7)) + 1;
  if (m === 13) {
    m = 1;
    y += 1;
  }
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-01`;
}

/**
 * The first day each identity counts from. Wenzhou's 次月生效 concerns newly subsidised
 * people (001 三(一): 新增资助参保对象…次月生效), so only the start of a recognition
 * moves to the next month. A registry correction closes a window and opens the next
 * one the following day (or overlaps it): that window continues the same recognition
 * and keeps counting from its own first day, with no gap. Windows of one category are
 * chained while they overlap or touch; each counts from no earlier than the chain's
 * (shifted) start.
 */
export function effectiveStarts(identities: readonly Identity[], startsNextMonth: boolean): Map<Identity, IsoDate> {
  const out = new Map<Identity, IsoDate>();
  if (!startsNextMonth) {
    for (const id of identities) out.set(id, id.validFrom);
    return out;
  }
  const sorted = [...identities].sort((a, b) => (a.category < b.category ? -1 : a.category > b.category ? 1 : a.validFrom < b.validFrom ? -1 : a.validFrom > b.validFrom ? 1 : 0));
  let category: string | null = null;
  let chainFrom = '';
  let chainTo = null as IsoDate | null;
  for (const id of sorted) {
    const continues = id.category === category && (chainTo === null || id.validFrom <= nextDay(chainTo));
    if (!continues) {
      category = id.category;
      chainFrom = startOfNextMonthUnlessFirst(id.validFrom);
      chainTo = id.validTo;
    } else if (chainTo !== null) {
      chainTo = id.validTo === null || id.validTo > chainTo ? id.validTo : chainTo;
    }
    out.set(id, id.validFrom > chainFrom ? id.validFrom : chainFrom);
  }
  return out;
}

export function screenIdentities(person: Person, pack: PolicyPack, date: IsoDate): IdentityScreen {
  const known = new Map(pack.categories.map((c, i) => [c.code, { def: c, rank: i }]));
  const ignored: IdentityScreen['ignored'] = [];
  const valid = new Set<string>();
  const starts = effectiveStarts(person.identities, pack.identityStartsNextMonth);
  for (const id of person.identities) {
    const from = starts.get(id)!;
    const entry = known.get(id.category);
    if (date < from || (id.validTo !== null && date > id.validTo)) ignored.push({ category: id.category, reason: 'NOT_VALID_ON_DATE' });
    else if (entry === undefined) ignored.push({ category: id.category, reason: 'UNKNOWN_TO_POLICY' });
    else if (entry.def.ordinaryTreatment) ignored.push({ category: id.category, reason: 'ORDINARY_TREATMENT' });
    else valid.add(id.category);
  }
  return { valid: [...valid].sort((a, b) => known.get(a)!.rank - known.get(b)!.rank), ignored };
}
