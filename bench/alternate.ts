/**
 * BENCH_ALTERNATE: two settings that bench:settle switches between within each level,
 * every BENCH_ALTERNATE_MS, so that both meet the same host. On this machine the host's
 * speed drifts more between two runs than a change of a few percent moves the rate (six
 * runs of each of two versions, alternating: 776–1,058/s, means 927 and 925/s); within
 * one run, switching every 300 ms, the same change showed +1% to +5% in five runs of five.
 *
 * The spec is `A|B`, each side a comma-separated list of `NAME=value`:
 * - SETTLE_WORKERS, SETTLE_BATCH_MAX, SETTLE_GATHER_MS: the settlement queue (tune);
 * - pg.<setting>: a setting of the embedded PostgreSQL (ALTER SYSTEM and a reload; only
 *   settings a reload applies take effect).
 * Both sides name the same settings. After each level the queue is set back to the run's
 * own settings; the server is the bench's own, discarded after the run. A server setting
 * that a reload cannot change (one given on the server's command line, one the service's
 * connections set for themselves, one that needs a restart) is refused before the run.
 */

import { ConfigSchema } from '../src/config.js';
import type { QueueSettings } from '../src/services/settle-queue.js';

export type QueueTuning = Partial<QueueSettings>;

export interface Side {
  /** As written in the spec, for the report. */
  label: string;
  queue: QueueTuning;
  /** Server settings, name and value, in the order given. */
  server: Array<[string, string]>;
}

/** The queue's settings by their configuration names; their ranges are the configuration's. */
const QUEUE_KEYS: Record<string, { key: keyof QueueSettings; min: number; max: number; integer: boolean }> = Object.fromEntries(
  ([['SETTLE_WORKERS', 'workers'], ['SETTLE_BATCH_MAX', 'maxBatch'], ['SETTLE_GATHER_MS', 'gatherMs']] as const).map(([name, key]) => {
    const s = ConfigSchema.properties[name] as unknown as { minimum: number; maximum: number; type: string };
    return [name, { key, min: s.minimum, max: s.maximum, integer: s.type === 'integer' }];
  }),
);

/** A server setting's name, and a value that needs no quoting beyond its single quotes. */
const SERVER_NAME = /^[a-z][a-z0-9_]*$/;
const SERVER_VALUE = /^[A-Za-z0-9_.:+-]+$/;

export class AlternateSpecError extends Error {
  override name = 'AlternateSpecError';
}

function parseSide(text: string): Side {
  const side: Side = { label: text.trim(), queue: {}, server: [] };
  for (const item of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new AlternateSpecError(`BENCH_ALTERNATE: "${item}" is not NAME=value`);
    const name = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (name.startsWith('pg.')) {
      const setting = name.slice(3);
      if (!SERVER_NAME.test(setting) || !SERVER_VALUE.test(value)) throw new AlternateSpecError(`BENCH_ALTERNATE: "${item}" is not a server setting (pg.name=value; letters, digits and _ . : + - only)`);
      side.server.push([setting, value]);
      continue;
    }
    const q = QUEUE_KEYS[name];
    if (!q) throw new AlternateSpecError(`BENCH_ALTERNATE: ${name} is none of ${Object.keys(QUEUE_KEYS).join(', ')} or pg.<setting>`);
    const n = /^[0-9]+(\.[0-9]+)?$/.test(value) ? Number(value) : NaN;
    if (!(n >= q.min && n <= q.max) || (q.integer && !Number.isInteger(n))) {
      throw new AlternateSpecError(`BENCH_ALTERNATE: ${name} must be ${q.integer ? 'a whole number' : 'a number'} from ${q.min} to ${q.max} (got "${value}")`);
    }
    side.queue[q.key] = n;
  }
  return side;
}

/** The two sides of a BENCH_ALTERNATE spec; throws AlternateSpecError with a message for the user. */
export function parseAlternate(spec: string): [Side, Side] {
  const parts = spec.split('|');
  if (parts.length !== 2) throw new AlternateSpecError(`BENCH_ALTERNATE: two settings separated by one "|" (got ${parts.length - 1})`);
  const [a, b] = parts.map(parseSide) as [Side, Side];
  const names = (s: Side) => [...Object.keys(s.queue), ...s.server.map(([n]) => `pg.${n}`)].sort().join(',');
  if (names(a) !== names(b)) {
    // A setting named on one side only would stay as the other side left it: say so instead.
    throw new AlternateSpecError(`BENCH_ALTERNATE: both sides must name the same settings (${names(a) || 'none'} against ${names(b) || 'none'})`);
  }
  return [a, b];
}

/** Which side (0: A, 1: B) is in force at `epochMs`, for sides switching every `periodMs` from `t0` (A first). */
export function sideAt(epochMs: number, t0: number, periodMs: number): 0 | 1 {
  return epochMs < t0 || Math.floor((epochMs - t0) / periodMs) % 2 === 0 ? 0 : 1;
}
