import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * For long synchronous work on a request (an identity list of 200,000 rows is checked,
 * hashed and planned in about a second): call the returned function often, and await
 * it; once about `sliceMs` of work has passed since the last turn, it lets the event
 * loop turn (other requests, settlements among them, run) before the work goes on.
 */
export function turnsEvery(sliceMs = 5): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < sliceMs) return;
    await nextTurn();
    since = performance.now();
  };
}

/** Rows (or groups of rows) worked between two calls of a turnsEvery function: cheap to call, fine enough to keep the slices near sliceMs. */
export const ROWS_PER_TURN = 1024;
