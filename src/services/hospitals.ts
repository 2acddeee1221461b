import type { Db } from '../db/database.js';
import { insertAudit } from '../db/repositories/audit.js';
import { closePeriod, findHospital, insertHospital, insertPeriod, listHospitalRows, lockHospital, periodsOf, setCurrent, settledSince, type PeriodRow } from '../db/repositories/hospitals.js';
import { AppError } from '../http/errors.js';
import type { Hospital, HospitalChange, HospitalCreate } from '../http/schemas/hospitals.js';
import { auditEntry, type Actor } from './actor.js';
import { addDays } from './dates.js';

/*
 * The designated-hospital registry. A change never rewrites a period: it closes the
 * period covering its effective date the day before and appends the next one, so a
 * settlement stays explainable with the level the hospital had on its discharge date.
 * Changes only append to the end of the history (no period may start after them).
 */

type Row = NonNullable<Awaited<ReturnType<typeof findHospital>>>;
type Level = 1 | 2 | 3;

function toWire(h: Row, periods: PeriodRow[]): Hospital {
  return {
    id: h.id,
    code: h.code,
    name: h.name,
    level: h.level as Level,
    regionCode: h.region_code,
    designatedFrom: h.designated_from,
    designatedTo: h.designated_to,
    periods: periods.map((p) => ({ name: p.name, level: p.level as Level, regionCode: p.region_code, validFrom: p.valid_from, validTo: p.valid_to })),
  };
}

const unknown = (code: string) => new AppError('HOSPITAL_NOT_FOUND', `hospital ${code} is not in the registry`, { hospitalCode: code });

export async function getHospital(db: Db, code: string): Promise<Hospital> {
  const h = await findHospital(db, code);
  if (!h) throw unknown(code);
  return toWire(h, await periodsOf(db, [h.id]));
}

export async function listHospitals(db: Db): Promise<Hospital[]> {
  const rows = await listHospitalRows(db);
  const periods = await periodsOf(db, rows.map((r) => r.id));
  return rows.map((h) => toWire(h, periods.filter((p) => p.hospital_id === h.id)));
}

export async function createHospital(db: Db, by: Actor, req: HospitalCreate): Promise<Hospital> {
  if (req.designatedTo && req.designatedTo < req.designatedFrom) {
    throw new AppError('VALIDATION_FAILED', 'designatedTo is before designatedFrom', { errors: [{ path: '/body/designatedTo', message: 'before designatedFrom' }] });
  }
  await db.transaction().execute(async (trx) => {
    const id = await insertHospital(trx, {
      code: req.code, name: req.name, level: req.level, region_code: req.regionCode, designated_from: req.designatedFrom, designated_to: req.designatedTo ?? null,
    });
    if (!id) throw new AppError('HOSPITAL_EXISTS', `hospital ${req.code} is already registered; change it with POST /v1/hospitals/${req.code}/changes`, { hospitalCode: req.code });
    await insertAudit(trx, auditEntry(by, 'hospital.create', 'hospital', req.code, { ...req }));
  });
  return getHospital(db, req.code);
}

export async function changeHospital(db: Db, by: Actor, code: string, change: HospitalChange): Promise<Hospital> {
  if (change.designated === false) {
    const given = (['name', 'level', 'regionCode'] as const).filter((k) => change[k] !== undefined);
    if (given.length > 0) {
      throw new AppError('VALIDATION_FAILED', `an end of designation opens no period: ${given.join(', ')} would be recorded nowhere`, {
        errors: given.map((k) => ({ path: `/body/${k}`, message: 'not allowed with designated: false' })),
      });
    }
  }
  await db.transaction().execute(async (trx) => {
    const h = await lockHospital(trx, code);
    if (!h) throw unknown(code);
    const periods = await periodsOf(trx, [h.id]);
    const at = change.effectiveFrom;
    const conflict = (why: string, details: Record<string, unknown> = {}) =>
      new AppError('HOSPITAL_CHANGE_CONFLICT', `hospital ${code}: ${why}`, { hospitalCode: code, effectiveFrom: at, ...details });
    if (periods.some((p) => p.valid_from >= at)) throw conflict(`a period already starts on or after ${at}; changes append to the end of the history`);
    // A change must not rewrite the level or region of visits already settled under the
    // period it closes: those settlements would no longer be explained by the registry.
    const settled = await settledSince(trx, h.id, at);
    if (settled.count > 0) {
      throw conflict(`${settled.count} settlement(s) discharged on or after ${at} (latest ${settled.latest}) were settled under the current period; reverse them first or choose a later date`, {
        settledCount: settled.count, latestDischarge: settled.latest,
      });
    }
    const covering = periods.find((p) => p.valid_to === null || p.valid_to >= at);
    const last = periods.at(-1);
    if (covering && change.designated !== false && (change.name ?? covering.name) === covering.name &&
        (change.level ?? covering.level) === covering.level && (change.regionCode ?? covering.region_code) === covering.region_code) {
      throw conflict(`nothing changes on ${at}: the name, level and region are those of the period covering it`);
    }
    if (covering) await closePeriod(trx, covering.id, addDays(at, -1));
    else if (change.designated === false) throw conflict(`not designated on ${at}, nothing to end`);
    // Designating again after a gap is said, never implied by a change of level or name.
    else if (change.designated === undefined) throw conflict(`not designated on ${at}; send designated: true to designate it again`, { designatedTo: h.designated_to });
    const designated = change.designated !== false;
    const base = covering ?? last;
    const next = {
      hospital_id: h.id,
      name: change.name ?? base?.name ?? h.name,
      level: change.level ?? base?.level ?? h.level,
      region_code: change.regionCode ?? base?.region_code ?? h.region_code,
      valid_from: at,
      valid_to: covering?.valid_to ?? null,
    };
    if (designated) await insertPeriod(trx, next);
    await setCurrent(trx, h.id, {
      name: next.name,
      level: next.level,
      region_code: next.region_code,
      designated_from: designated && !covering ? at : h.designated_from,
      designated_to: designated ? next.valid_to : addDays(at, -1),
    });
    await insertAudit(trx, auditEntry(by, designated ? 'hospital.change' : 'hospital.undesignate', 'hospital', code, { ...change, designated, closedPeriodFrom: covering?.valid_from ?? null }));
  });
  return getHospital(db, code);
}
