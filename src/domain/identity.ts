import type { IsoDate, Person } from './types.js';
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

export function screenIdentities(person: Person, pack: PolicyPack, date: IsoDate): IdentityScreen {
  const known = new Map(pack.categories.map((c, i) => [c.code, { def: c, rank: i }]));
  const ignored: IdentityScreen['ignored'] = [];
  const valid = new Set<string>();
  for (const id of person.identities) {
    const from = pack.identityStartsNextMonth ? startOfNextMonthUnlessFirst(id.validFrom) : id.validFrom;
    const entry = known.get(id.category);
    if (date < from || (id.validTo !== null && date > id.validTo)) ignored.push({ category: id.category, reason: 'NOT_VALID_ON_DATE' });
    else if (entry === undefined) ignored.push({ category: id.category, reason: 'UNKNOWN_TO_POLICY' });
    else if (entry.def.ordinaryTreatment) ignored.push({ category: id.category, reason: 'ORDINARY_TREATMENT' });
    else valid.add(id.category);
  }
  const order = (c: string) => known.get(c)!.rank;
  return { valid: [...valid].sort((a, b) => order(a) - order(b)), ignored };
}
