/**
 * Labels of the bench's levels. Each level's idempotency keys and visit numbers are made
 * from its label, so a level named twice in one run (BENCH_CONNECTIONS=32,32 compares two
 * runs on one server) needs a second label: with the first one it would only replay the
 * first run's keys and settle nothing.
 */
export function levelLabels(): (base: string) => string {
  const used = new Map<string, number>();
  return (base) => {
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  };
}

/** A latency figure for the summary line; '-' when the level answered nothing (NaN, null after IPC). */
export function latency(ms: number | null): string {
  return ms === null || Number.isNaN(ms) ? '-' : `${ms.toFixed(1)} ms`;
}
