/*
 * Pauses of the whole service, read from when the load generator's answers arrived. A
 * module of its own: the load generator (a forked child) and bench/settle.ts both use it,
 * and the parent must not load settle-client.ts, which answers IPC messages on import.
 */

/**
 * A stretch this long without a single answer is a pause of the whole service (a WAL
 * segment being zero-filled held every commit like this), not queueing: at the levels run
 * here answers come every millisecond or two.
 */
export const PAUSE_MS = 40;

/** Gaps between consecutive answers longer than PAUSE_MS, from the answers' times (ms). */
export function pausesIn(answeredAt: readonly number[]): { pauses: number; longest: number } {
  const t = Float64Array.from(answeredAt).sort();
  let pauses = 0;
  let longest = 0;
  for (let i = 1; i < t.length; i++) {
    const gap = t[i]! - t[i - 1]!;
    if (gap > PAUSE_MS) pauses++;
    if (gap > longest) longest = gap;
  }
  return { pauses, longest };
}
