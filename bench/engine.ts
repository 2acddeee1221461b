/*
 * Settlements per second of the pure engine, single core, for a 50-line and a 500-line
 * bill (Qiannan pack, a person with two identities so three candidates are computed).
 * Prints figures only; there is no timed test. Besides wall-clock throughput it prints
 * the rate per CPU-second of this process, which is steadier on a machine shared with
 * other jobs (compare `uptime` before reading the wall-clock figure).
 */
import { engineRate, rate } from './engine-rate.js';

for (const n of [50, 500]) {
  const r = engineRate(n, 3);
  console.log(`${String(n).padStart(4)} lines: ${rate(r.perSecond)} settlements/s (${r.count} in ${r.seconds.toFixed(2)} s; ${rate(r.perCpuSecond)} per CPU-second)`);
}
