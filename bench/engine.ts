/*
 * Settlements per second of the pure engine, single core, for a 50-line and a 500-line
 * bill (Qiannan pack, a person with two identities so three candidates are computed).
 * Prints figures only; there is no timed test. Besides wall-clock throughput it prints
 * the rate per CPU-second of this process, which is steadier on a machine shared with
 * other jobs (compare `uptime` before reading the wall-clock figure).
 */
import { Money } from '../src/domain/money.js';
import { emptyLedger } from '../src/domain/ledger.js';
import { settle } from '../src/domain/engine.js';
import { loadBundledPacks } from '../src/policies/loader.js';
import type { Bill, BillLine, SettleInput } from '../src/domain/types.js';

const pack = loadBundledPacks().find((p) => p.id === 'qiannan-2021')!;
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

function bench(n: number, seconds: number): void {
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
  const rate = (x: number) => Math.round(count / x).toLocaleString('en-US');
  console.log(`${String(n).padStart(4)} lines: ${rate(secs)} settlements/s (${count} in ${secs.toFixed(2)} s; ${rate(cpuSecs)} per CPU-second)`);
}

bench(50, 3);
bench(500, 3);
