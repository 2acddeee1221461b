/**
 * Group commit for settlements. At most `workers` settlement transactions run at once;
 * a request that arrives while all of them are busy waits, and a worker that finishes
 * takes every waiting request it can (up to `maxBatch`) into its next transaction. An idle
 * worker starts at the end of the event loop's turn (startSoon), so requests read in one
 * turn share a batch; while another worker's transaction runs, it first gathers for
 * `gatherMs` (or until a full batch waits), so that requests arriving one by one share a
 * transaction too, or are taken by that worker when it finishes. With nothing running,
 * a request runs alone with no other wait; under heavy load the fixed cost of a
 * transaction (its round trips, its statements' start-up, its commit and WAL flush) is
 * shared by many settlements.
 *
 * Two jobs whose `conflicts` share a string never go into one batch: a later one waits
 * for a later batch, in arrival order. The batch runner answers one result per job; a
 * runner that throws fails its whole batch. A job still waiting after `maxWaitMs` (the
 * workers are stuck, or far more requests arrive than they can settle) is answered with
 * `expired(job)` and never runs.
 */
export interface QueueOptions<J> {
  workers: number;
  maxBatch: number;
  conflicts: (job: J) => string[];
  maxWaitMs: number;
  expired: (job: J) => unknown;
  /** How long an idle worker gathers requests while another worker is busy (0 or absent: to the end of the turn only). */
  gatherMs?: number;
}

/** The settings tune() changes while the queue runs. */
export interface QueueSettings {
  workers: number;
  maxBatch: number;
  gatherMs: number;
}

interface Waiting<J, R> {
  job: J;
  since: number;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

export class SettlementQueue<J, R> {
  private waiting: Array<Waiting<J, R>> = [];
  private busy = 0;
  /** A start of idle workers is scheduled (startSoon); a timer when it gathers. */
  private starting = false;
  private gathering: NodeJS.Timeout | undefined;
  private readonly counts = { batches: 0, jobs: 0, alone: 0 };
  private sweeper: NodeJS.Timeout | undefined;

  private opts: QueueOptions<J>;

  constructor(
    private readonly runBatch: (jobs: J[]) => Promise<Array<PromiseSettledResult<R>>>,
    opts: QueueOptions<J>,
  ) {
    this.opts = checked({ ...opts });
  }

  /**
   * Changes the number of workers, the largest batch or the gather time while the queue
   * runs (bench:settle's BENCH_ALTERNATE switches between two settings within one run).
   * Fewer workers: a busy worker beyond the new number stops once its transaction ends.
   */
  tune(settings: Partial<QueueSettings>): void {
    this.opts = checked({ ...this.opts, ...settings });
    if (this.waiting.length > 0 && this.busy < this.opts.workers) this.startSoon();
  }

  /** The settings in force (see tune). */
  get settings(): QueueSettings {
    return { workers: this.opts.workers, maxBatch: this.opts.maxBatch, gatherMs: this.opts.gatherMs ?? 0 };
  }

  submit(job: J): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ job, since: performance.now(), resolve, reject });
      if (this.busy < this.opts.workers) this.startSoon();
      else this.sweepWhileWaiting();
      // A full batch waits: gathering longer only delays it.
      if (this.gathering && this.waiting.length >= this.opts.maxBatch) {
        clearTimeout(this.gathering);
        this.gathering = undefined;
        setImmediate(() => this.startIdle());
      }
    });
  }

  /**
   * Starts idle workers once the event loop has read what it is reading now (setImmediate
   * runs right after the poll phase): requests that arrive together, as a burst of
   * answers brings a burst of new requests, then share one batch instead of each taking a
   * worker alone as it is parsed. A lone request waits only for the end of its turn.
   */
  private startSoon(): void {
    if (this.starting) return;
    this.starting = true;
    const gather = this.opts.gatherMs ?? 0;
    if (gather > 0 && this.busy > 0 && this.waiting.length < this.opts.maxBatch) {
      this.gathering = setTimeout(() => {
        this.gathering = undefined;
        this.startIdle();
      }, gather);
    } else {
      setImmediate(() => this.startIdle());
    }
  }

  /** Starts idle workers while jobs wait (a busy worker that finished meanwhile may have taken them all). */
  private startIdle(): void {
    this.starting = false;
    // A worker takes its batch synchronously (see work): start one more while jobs remain,
    // each idle worker at most once.
    for (let idle = this.opts.workers - this.busy; idle > 0 && this.waiting.length > 0; idle--) {
      this.busy++;
      void this.work();
    }
    if (this.waiting.length > 0) this.sweepWhileWaiting();
  }

  private sweepWhileWaiting(): void {
    this.sweeper ??= setInterval(() => this.expire(), Math.max(10, this.opts.maxWaitMs / 4)).unref();
  }

  /** Answers the jobs that waited too long, and stops sweeping when nothing waits. */
  private expire(): void {
    const deadline = performance.now() - this.opts.maxWaitMs;
    const left: Array<Waiting<J, R>> = [];
    const expired: Array<Waiting<J, R>> = [];
    for (const w of this.waiting) (w.since <= deadline ? expired : left).push(w);
    // Out of the queue first: an expired job must never run after its refusal.
    this.waiting = left;
    for (const w of expired) {
      let reason: unknown;
      try {
        reason = this.opts.expired(w.job);
      } catch (err) {
        reason = err;
      }
      w.reject(reason);
    }
    if (left.length === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  /** Batches run so far, the jobs in them, and the batches of one job (for diagnosis: bench:settle prints them per level). */
  get stats(): { batches: number; jobs: number; alone: number } {
    return { ...this.counts };
  }

  /** Requests waiting for a worker (for tests and diagnosis). */
  get depth(): number {
    return this.waiting.length;
  }

  private async work(): Promise<void> {
    try {
      // (A worker beyond the number of workers, after tune lowered it, stops here.)
      while (this.waiting.length > 0 && this.busy <= this.opts.workers) {
        const batch = this.take();
        if (batch.length === 0) continue; // every waiting job had expired
        this.counts.batches++;
        this.counts.jobs += batch.length;
        if (batch.length === 1) this.counts.alone++;
        let results: Array<PromiseSettledResult<R>>;
        try {
          results = await this.runBatch(batch.map((w) => w.job));
          if (results.length !== batch.length) throw new Error(`batch of ${batch.length} answered ${results.length} results`);
        } catch (err) {
          results = batch.map(() => ({ status: 'rejected', reason: err }));
        }
        batch.forEach((w, i) => {
          const r = results[i]!;
          if (r.status === 'fulfilled') w.resolve(r.value);
          else w.reject(r.reason);
        });
      }
    } finally {
      this.busy--;
    }
  }

  /** The next batch: waiting jobs in arrival order, skipping any that conflict with one already taken. */
  private take(): Array<Waiting<J, R>> {
    this.expire();
    const taken: Array<Waiting<J, R>> = [];
    const left: Array<Waiting<J, R>> = [];
    const seen = new Set<string>();
    for (const w of this.waiting) {
      let keys: string[] | null;
      try {
        keys = taken.length < this.opts.maxBatch ? this.opts.conflicts(w.job) : null;
      } catch (err) {
        // A job whose conflicts cannot be told never runs: it is answered with that error.
        w.reject(err);
        continue;
      }
      if (keys && keys.every((k) => !seen.has(k))) {
        keys.forEach((k) => seen.add(k));
        taken.push(w);
      } else {
        left.push(w);
      }
    }
    this.waiting = left;
    return taken;
  }
}

function checked<J>(opts: QueueOptions<J>): QueueOptions<J> {
  const { workers, maxBatch, gatherMs = 0 } = opts;
  if (!(Number.isInteger(workers) && workers >= 1 && Number.isInteger(maxBatch) && maxBatch >= 1 && Number.isFinite(gatherMs) && gatherMs >= 0)) {
    throw new Error(`settlement queue needs at least one worker, a batch of at least one and a gather time of at least 0 (${workers}, ${maxBatch}, ${gatherMs})`);
  }
  return opts;
}
