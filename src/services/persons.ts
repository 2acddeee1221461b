import type { Db } from '../db/database.js';
import { insertAudit } from '../db/repositories/audit.js';
import { findPerson, findPersonsByIdCard, identitiesOf, insertPerson } from '../db/repositories/persons.js';
import { effectiveStarts } from '../domain/identity.js';
import { inForce, regionFallbacks } from '../domain/select.js';
import { AppError, notFound } from '../http/errors.js';
import type { Person, PersonCreate, PersonLookup } from '../http/schemas/persons.js';
import { maskIdNumber, maskName } from '../slip/mask.js';
import { auditEntry, type Actor } from './actor.js';
import { isUniqueViolation } from './db-errors.js';
import type { Clock } from './clock.js';
import { idCardProblem, normaliseIdCard } from './id-card.js';
import type { PolicyStore } from './policies.js';

export async function createPerson(db: Db, by: Actor, req: PersonCreate): Promise<Person> {
  const idCard = normaliseIdCard(req.idCard);
  const problem = idCardProblem(idCard);
  if (problem) throw new AppError('ID_CARD_INVALID', `ID-card number ${problem}`, { field: 'idCard' });
  try {
    await db.transaction().execute(async (trx) => {
      if (!(await insertPerson(trx, { id: req.id, name: req.name, id_card: idCard, insured_region: req.insuredRegion, scheme: req.scheme }))) {
        throw new AppError('PERSON_EXISTS', `person ${req.id} is already registered`, { personId: req.id });
      }
      // The audit detail never holds the name or the full ID-card number.
      await insertAudit(trx, auditEntry(by, 'person.create', 'person', req.id, { idCard: maskIdNumber(idCard), insuredRegion: req.insuredRegion, scheme: req.scheme }));
    });
  } catch (e) {
    // One person per ID card (the database's unique index decides, concurrent requests
    // included): a second one would keep a ledger of its own (a deductible paid twice,
    // caps split) and make every identity row for the card ambiguous.
    if (!isUniqueViolation(e, 'persons_id_card_key')) throw e;
    const holder = (await findPersonsByIdCard(db, idCard))[0]?.id ?? null;
    throw new AppError('PERSON_EXISTS', `ID-card number ${maskIdNumber(idCard)} is already registered${holder ? ` as person ${holder}` : ''}`, {
      personId: holder,
      idCard: maskIdNumber(idCard),
    });
  }
  return getPerson(db, req.id);
}

export async function getPerson(db: Db, id: string): Promise<Person> {
  const p = await findPerson(db, id);
  if (!p) throw notFound('PERSON_NOT_FOUND', id);
  const ids = await identitiesOf(db, [id]);
  return {
    id: p.id, name: p.name, idCard: p.id_card, insuredRegion: p.insured_region, scheme: p.scheme,
    identities: ids.map((i) => ({ category: i.category, validFrom: i.valid_from, validTo: i.valid_to, source: i.source, batch: i.batch, closedBatch: i.closed_batch })),
  };
}

/**
 * The HIS look-up by ID-card number: the person id to settle with, the masked name and
 * the identities valid today, nothing else. Every look-up is written to the audit log as
 * an access (who asked, which persons matched), in the same transaction as the read.
 */
export async function lookupPersons(db: Db, policies: PolicyStore, clock: Clock, by: Actor, idCard: string): Promise<PersonLookup> {
  const today = clock();
  const packs = await policies.all();
  const deferred = (region: string): boolean => {
    for (const r of regionFallbacks(region)) {
      const hit = packs.filter((p) => p.region === r && inForce(p, today)).sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? 1 : -1))[0];
      if (hit) return hit.identityStartsNextMonth;
    }
    return false;
  };
  return db.transaction().execute(async (trx) => {
    const persons = await findPersonsByIdCard(trx, normaliseIdCard(idCard));
    const ids = await identitiesOf(trx, persons.map((p) => p.id));
    await insertAudit(trx, auditEntry(by, 'person.lookup', 'person', persons.map((p) => p.id).join(',') || `idcard:${maskIdNumber(idCard)}`, { matches: persons.length }));
    return {
      items: persons.map((p) => {
        // The engine's own reading of when each window takes effect: a window that
        // continues an earlier one of its category (a correction) is not deferred again.
        const windows = ids.filter((i) => i.person_id === p.id).map((i) => ({ category: i.category, validFrom: i.valid_from, validTo: i.valid_to }));
        const starts = effectiveStarts(windows, deferred(p.insured_region));
        const categories = windows.filter((w) => starts.get(w)! <= today && (w.validTo === null || today <= w.validTo));
        return { personId: p.id, name: maskName(p.name), categories };
      }),
    };
  });
}
