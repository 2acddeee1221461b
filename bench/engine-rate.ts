/*
 * The pure engine's rate on a generated bill, shared by `npm run bench:engine` and, as a
 * CPU-speed reference printed next to its figures, by `npm run bench:settle`: on a
 * virtual machine whose cores run at a varying share of their speed, the same code's rate
 * per CPU-second says how fast this machine's CPU was during the run.
 */
import { Money } from '../src/domain/money.js';
import { emptyLedger } from '../src/domain/ledger.js';
import { settle } from '../src/domain/engine.js';
import { loadBundledPacks } from '../src/policies/loader.js';
import type { Bill, BillLine, SettleInput } from '../src/domain/types.js';

const CLASSES = ['A', 'A', 'B', 'C', 'OUT'] as const;

function makeBill(n: number): Bill {
  const lines: BillLine[] = [];
  for (let i = 0; i < n; i++) {
    const unitPrice = new Money(((i * 7919) % 50000) + 101).dividedBy(100);
    const quantity = new Money((i % 5) + 1);
    lines.push({ itemCode: `I${i}`, name: `item ${i}`, kind: 'drug', catalogClass: CLASSES[i % 5]!, quantity, unitPrice, amount: quantity.times(unitPrice).toDecimalPlaces(2) });
  }
  return { visitNo: `B${n}`, hospital: { id: 'H', level: 2, regionCode: '522701' }, visitType: 'inpatient', admissionDate: '2022-05-01', dischargeDate: '2022-05-10', referral: true, lines };
}

export interface EngineRate {
  count: number;
  seconds: number;
  perSecond: number;
  perCpuSecond: number;
}

/** Settles an `n`-line bill (Qiannan pack, a person with two identities: three candidates) for `seconds` after a warm-up. */
export function engineRate(n: number, seconds: number): EngineRate {
  const pack = loadBundledPacks().find((p) => p.id === 'qiannan-2021')!;
  const input: SettleInput = {
    bill: makeBill(n),
    person: { id: 'P', insuredRegion: '522701', scheme: 'urban_rural_resident', identities: [{ category: 'dibao', validFrom: '2020-01-01', validTo: null }, { category: 'tufa', validFrom: '2020-01-01', validTo: null }] },
    ledger: emptyLedger(2022),
    policy: pack,
    settlementDate: '2022-05-10',
  };
  for (let i = 0; i < 200; i++) settle(input); // warm-up
  let count = 0;
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  const stop = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < stop) {
    for (let i = 0; i < 50; i++) settle(input);
    count += 50;
    now = process.hrtime.bigint();
  }
  const secs = Number(now - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  return { count, seconds: secs, perSecond: count / secs, perCpuSecond: count / cpuSecs };
}

export const rate = (x: number): string => Math.round(x).toLocaleString('en-US');
