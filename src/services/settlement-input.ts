import type { Db } from '../db/database.js';
import { findHospitalAndPerson, type HospitalRow, type PersonWithIdentities } from '../db/repositories/reference.js';
import { decidingDate, policyYearOf, selectPolicy } from '../domain/select.js';
import { billFromWire, validateBill, type BillWire, type PersonWire } from '../domain/wire.js';
import { checkDischargedBy, checkSettleable } from '../domain/validate.js';
import type { Bill, IsoDate, Person } from '../domain/types.js';
import type { PolicyPack } from '../policies/types.js';
import { AppError } from '../http/errors.js';
import type { SettleRequest } from '../http/schemas/settlements.js';
import type { PolicyStore } from './policies.js';

/**
 * Everything the engine needs except the ledger, built from the request and the
 * registry: the hospital's level and region and the person's identities come from the
 * database, never from the hospital's request.
 */
export interface PreparedSettlement {
  hospital: HospitalRow;
  billWire: BillWire;
  bill: Bill;
  personWire: PersonWire;
  person: Person;
  policy: PolicyPack;
  settlementDate: IsoDate;
  decidingDate: IsoDate;
  year: number;
}

export async function prepareSettlement(db: Db, policies: PolicyStore, req: SettleRequest, settlementDate: IsoDate): Promise<PreparedSettlement> {
  const { hospital, person } = await findHospitalAndPerson(db, req.hospitalCode, req.personId, req.dischargeDate);
  return prepareFromRegistry(await policies.all(), req, settlementDate, hospital, person);
}

/**
 * The same, from registry rows already read (the settle path reads them in its first
 * transaction statement): refuses an unknown or undesignated hospital, an unknown person
 * and an invalid bill, and selects the policy version.
 */
export function prepareFromRegistry(
  packs: PolicyPack[],
  req: SettleRequest,
  settlementDate: IsoDate,
  hospital: HospitalRow | undefined,
  personRow: PersonWithIdentities | undefined,
  /** A settlement (not a preview): the bill must be discharged by the settlement date. */
  binding = false,
): PreparedSettlement {
  if (!hospital) throw new AppError('UNKNOWN_HOSPITAL', `hospital ${req.hospitalCode} is not in the registry`, { hospitalCode: req.hospitalCode });
  if (!personRow) throw new AppError('UNKNOWN_PERSON', `person ${req.personId} is not in the registry`, { personId: req.personId });
  if (!hospital.designated) {
    throw new AppError('HOSPITAL_NOT_DESIGNATED', `hospital ${hospital.code} is not designated on ${req.dischargeDate}`, {
      hospitalCode: hospital.code,
      dischargeDate: req.dischargeDate,
      designatedFrom: hospital.designated_from,
      designatedTo: hospital.designated_to,
    });
  }
  const billWire: BillWire = {
    visitNo: req.visitNo,
    hospital: { id: hospital.id, level: hospital.level as 1 | 2 | 3, regionCode: hospital.region_code },
    visitType: req.visitType,
    admissionDate: req.admissionDate,
    dischargeDate: req.dischargeDate,
    referral: req.referral,
    lines: req.lines,
  };
  const bill = billFromWire(billWire);
  validateBill(bill);
  checkSettleable(bill);
  if (binding) checkDischargedBy(bill, settlementDate);
  const personWire: PersonWire = { id: personRow.id, insuredRegion: personRow.insured_region, scheme: personRow.scheme, identities: personRow.identities };
  const person: Person = { ...personWire, identities: personWire.identities.map((i) => ({ ...i })) };
  const policy = selectPolicy(packs, person.insuredRegion, bill, settlementDate);
  const deciding = decidingDate(bill, settlementDate, policy.decidingDate);
  return { hospital, billWire, bill, personWire, person, policy, settlementDate, decidingDate: deciding, year: policyYearOf(deciding) };
}
