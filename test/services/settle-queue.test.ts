import t from 'tap';
import { SettlementQueue, type QueueOptions } from '../../src/services/settle-queue.js';

interface Job {
  n: number;
  person: string;
}

/** Waiting never expires within a test. */
const PATIENT = { maxWaitMs: 600_000, expired: (j: Job) => new Error(`job ${j.n} expired`) };

/** A queue whose runner records each batch and finishes it only when the test says so. */
function harness(workers: number, maxBatch: number) {
  const batches: Job[][] = [];
  const release: Array<(fail?: unknown) => void> = [];
  let running = 0;
  let mostRunning = 0;
  const q = new SettlementQueue<Job, string>(
    (jobs) => {
      batches.push(jobs);
      running++;
      mostRunning = Math.max(mostRunning, running);
      return new Promise((resolve, reject) => {
        release.push((fail) => {
          running--;
          if (fail !== undefined) reject(fail);
          else resolve(jobs.map((j) => (j.n % 5 === 4 ? { status: 'rejected', reason: new Error(`job ${j.n} refused`) } : { status: 'fulfilled', value: `done ${j.n}` })));
        });
      });
    },
    { workers, maxBatch, conflicts: (j) => [`person:${j.person}`], ...PATIENT },
  );
  return { q, batches, release, mostRunning: () => mostRunning };
}

const tick = () => new Promise((r) => setImmediate(r));

/** A queue whose runner records each batch's job numbers and, once released, answers every job of it. */
function recording(opts: QueueOptions<Job>) {
  const batches: number[][] = [];
  const release: Array<() => void> = [];
  const q = new SettlementQueue<Job, string>(
    (jobs) => {
      batches.push(jobs.map((j) => j.n));
      return new Promise((resolve) => release.push(() => resolve(jobs.map((j) => ({ status: 'fulfilled', value: `done ${j.n}` })))));
    },
    opts,
  );
  return { q, batches, release };
}

t.test('an idle queue runs a job at the end of the turn it arrived in, alone', async (t) => {
  const h = harness(2, 8);
  const p = h.q.submit({ n: 0, person: 'A' });
  t.same(h.batches, [], 'not within submit');
  await tick();
  t.same(h.batches, [[{ n: 0, person: 'A' }]], 'right after the turn: a batch of one');
  h.release[0]!();
  t.equal(await p, 'done 0');
  t.same(h.q.stats, { batches: 1, jobs: 1, alone: 1 }, 'counted as a transaction of one');
});

t.test('jobs arriving in one turn while workers are idle share one batch instead of a worker each', async (t) => {
  const h = harness(3, 4);
  const all = [
    { n: 0, person: 'A' },
    { n: 1, person: 'B' },
    { n: 2, person: 'A' }, // A again: not in A's batch
    { n: 3, person: 'C' },
    { n: 5, person: 'D' },
    { n: 6, person: 'E' }, // the first batch is full at four
  ].map((j) => h.q.submit(j));
  await tick();
  t.same(h.batches.map((b) => b.map((j) => j.n)), [[0, 1, 3, 5], [2, 6]], 'a full batch first, then a second worker for what it could not take; the third stays idle');
  h.release[0]!();
  h.release[1]!();
  t.same(await Promise.all(all), ['done 0', 'done 1', 'done 2', 'done 3', 'done 5', 'done 6']);
  t.equal(h.mostRunning(), 2);
  t.same(h.q.stats, { batches: 2, jobs: 6, alone: 0 }, 'two transactions, six jobs, none alone');
});

t.test('with gatherMs, a free worker gathers while another is busy: jobs arriving one by one share its batch', async (t) => {
  // harness() has no gatherMs; this queue gathers for 40 ms.
  const { q, batches, release } = recording({ workers: 2, maxBatch: 3, conflicts: (j) => [j.person], ...PATIENT, gatherMs: 40 });
  const first = q.submit({ n: 0, person: 'A' });
  await tick();
  t.same(batches, [[0]], 'nothing was running: the first job starts at the end of its turn');
  const second = q.submit({ n: 1, person: 'B' });
  await tick();
  const third = q.submit({ n: 2, person: 'C' });
  await tick();
  t.same(batches, [[0]], 'one worker busy: the free one gathers instead of starting at once');
  await new Promise((r) => setTimeout(r, 60));
  t.same(batches, [[0], [1, 2]], 'after gatherMs, one batch of what arrived meanwhile');
  release[0]!();
  release[1]!();
  t.same(await Promise.all([first, second, third]), ['done 0', 'done 1', 'done 2']);

  // A full batch does not wait for the gathering to end.
  const busy = q.submit({ n: 10, person: 'D' });
  await tick();
  const full = [11, 12, 13].map((n) => q.submit({ n, person: `P${n}` }));
  await tick();
  t.same(batches.slice(2), [[10], [11, 12, 13]], 'three waiting (maxBatch): started in the next turn');
  release[2]!();
  release[3]!();
  t.same(await Promise.all([busy, ...full]), ['done 10', 'done 11', 'done 12', 'done 13']);

  // A busy worker that finishes while another gathers takes the waiting jobs itself.
  const a = q.submit({ n: 20, person: 'E' });
  await tick();
  const b = q.submit({ n: 21, person: 'F' });
  await tick();
  release[4]!();
  t.equal(await a, 'done 20');
  await tick();
  t.same(batches.slice(4), [[20], [21]], 'job 21 ran in the worker that finished');
  await new Promise((r) => setTimeout(r, 60));
  t.equal(batches.length, 6, 'and the gathering worker, when its time came, found nothing to start');
  release[5]!();
  t.equal(await b, 'done 21');
});

t.test('jobs arriving while every worker is busy share the next batch, up to maxBatch, never two of one person', async (t) => {
  const h = harness(1, 4);
  const first = h.q.submit({ n: 0, person: 'A' });
  await tick();
  const later = [
    { n: 1, person: 'B' },
    { n: 2, person: 'C' },
    { n: 3, person: 'B' }, // same person as job 1: a later batch
    { n: 5, person: 'D' },
    { n: 6, person: 'E' },
    { n: 7, person: 'F' }, // the batch is full at four
  ].map((j) => h.q.submit(j));
  t.equal(h.batches.length, 1, 'one worker: nothing else starts');
  t.equal(h.q.depth, 6);
  h.release[0]!();
  await first;
  await tick();
  t.same(h.batches[1]!.map((j) => j.n), [1, 2, 5, 6], 'arrival order, skipping the second job of B, four at most');
  h.release[1]!();
  await tick();
  t.same(h.batches[2]!.map((j) => j.n), [3, 7], 'then what was left, in arrival order');
  h.release[2]!();
  const answers = await Promise.allSettled(later);
  t.same(answers.map((a) => (a.status === 'fulfilled' ? a.value : String((a.reason as Error).message))), ['done 1', 'done 2', 'done 3', 'done 5', 'done 6', 'done 7']);
  t.equal(h.q.depth, 0);
  t.equal(h.mostRunning(), 1);
});

t.test('each job gets its own answer; a runner that throws fails its whole batch and only it', async (t) => {
  const h = harness(1, 8);
  const a = h.q.submit({ n: 0, person: 'A' });
  await tick();
  const b = [h.q.submit({ n: 4, person: 'B' }), h.q.submit({ n: 8, person: 'C' })];
  h.release[0]!();
  t.equal(await a, 'done 0');
  await tick();
  h.release[1]!(new Error('connection lost'));
  const settled = await Promise.allSettled(b);
  t.same(settled.map((s) => s.status), ['rejected', 'rejected']);
  t.match(String((settled[0] as PromiseRejectedResult).reason), /connection lost/);
  // The queue keeps working after a failed batch, and a refused job is refused alone.
  const c = [h.q.submit({ n: 10, person: 'D' }), h.q.submit({ n: 14, person: 'E' })];
  await tick();
  t.same(h.batches[2]!.map((j) => j.n), [10, 14], 'both arrived in one turn: one batch');
  h.release[2]!();
  const after = await Promise.allSettled(c);
  t.same(after.map((s) => s.status), ['fulfilled', 'rejected']);
  t.match(String((after[1] as PromiseRejectedResult).reason), /job 14 refused/);
});

t.test('never more batches at once than workers', async (t) => {
  const h = harness(3, 2);
  const all = Array.from({ length: 20 }, (_, n) => h.q.submit({ n: n * 5 + 1, person: `P${n}` }));
  await tick();
  t.equal(h.batches.length, 3, 'three workers start, the rest wait');
  // Finish the batches one at a time, oldest first, until every job has its answer.
  for (let released = 0; released < h.release.length; released++) {
    h.release[released]!();
    await tick();
  }
  t.equal((await Promise.all(all)).length, 20);
  t.equal(h.mostRunning(), 3);
  t.ok(h.batches.every((b) => b.length <= 2), 'no batch above maxBatch');
  t.same(h.batches.flat().map((j) => j.n).sort((x, y) => x - y), Array.from({ length: 20 }, (_, n) => n * 5 + 1), 'every job ran exactly once');
});

t.test('a runner answering the wrong number of results fails the batch instead of misrouting answers', async (t) => {
  const q = new SettlementQueue<Job, string>(async () => [{ status: 'fulfilled', value: 'only one' }], { workers: 1, maxBatch: 8, conflicts: (j) => [j.person], ...PATIENT });
  const first = q.submit({ n: 0, person: 'A' });
  await tick();
  const more = [q.submit({ n: 1, person: 'B' }), q.submit({ n: 2, person: 'C' })];
  t.equal(await first, 'only one');
  const s = await Promise.allSettled(more);
  t.same(s.map((x) => x.status), ['rejected', 'rejected']);
  t.match(String((s[0] as PromiseRejectedResult).reason), /batch of 2 answered 1 results/);
});

t.test('a job whose conflicts cannot be told is refused with that error, alone, and the queue goes on', async (t) => {
  const batches: number[][] = [];
  const q = new SettlementQueue<Job, string>(
    async (jobs) => {
      batches.push(jobs.map((j) => j.n));
      return jobs.map((j) => ({ status: 'fulfilled', value: `done ${j.n}` }));
    },
    {
      workers: 2, maxBatch: 8, ...PATIENT,
      conflicts: (j) => {
        if (j.person === 'BROKEN') throw new Error(`no keys for job ${j.n}`);
        return [j.person];
      },
    },
  );
  const all = [q.submit({ n: 0, person: 'A' }), q.submit({ n: 1, person: 'BROKEN' }), q.submit({ n: 2, person: 'B' })];
  const settled = await Promise.allSettled(all);
  t.same(settled.map((s) => (s.status === 'fulfilled' ? s.value : String((s.reason as Error).message))), ['done 0', 'no keys for job 1', 'done 2']);
  t.same(batches, [[0, 2]], 'the others ran together; the refused one never ran');
  t.equal(q.depth, 0);
  t.equal(await q.submit({ n: 3, person: 'C' }), 'done 3', 'and the queue takes new jobs');
});

t.test('a queue needs a worker and a batch of at least one', async (t) => {
  t.throws(() => new SettlementQueue<Job, string>(async () => [], { workers: 0, maxBatch: 1, conflicts: () => [], ...PATIENT }), /at least one worker/);
  t.throws(() => new SettlementQueue<Job, string>(async () => [], { workers: 1, maxBatch: 0, conflicts: () => [], ...PATIENT }), /at least one worker/);
});

t.test('a job that waits longer than maxWaitMs is answered with expired(job) and never runs', async (t) => {
  // The queue's sweep timer does not hold the process open (a server does): this does.
  const alive = setInterval(() => {}, 1000);
  t.teardown(() => clearInterval(alive));
  const release: Array<() => void> = [];
  const ran: number[] = [];
  const q = new SettlementQueue<Job, string>(
    (jobs) => {
      ran.push(...jobs.map((j) => j.n));
      return new Promise((resolve) => release.push(() => resolve(jobs.map((j) => ({ status: 'fulfilled', value: `done ${j.n}` })))));
    },
    { workers: 1, maxBatch: 8, conflicts: (j) => [j.person], maxWaitMs: 100, expired: (j) => new Error(`job ${j.n} waited too long`) },
  );
  const stuck = q.submit({ n: 0, person: 'A' });
  await tick();
  const waiting = q.submit({ n: 1, person: 'B' });
  await t.rejects(waiting, /job 1 waited too long/, 'refused while the only worker is still busy');
  t.equal(q.depth, 0);
  release[0]!();
  t.equal(await stuck, 'done 0');
  t.same(ran, [0], 'the expired job never ran');
  // A fresh job after that runs as usual.
  const next = q.submit({ n: 2, person: 'C' });
  await tick();
  release[1]!();
  t.equal(await next, 'done 2');
});

t.test('a worker that finds every waiting job expired runs no empty batch', async (t) => {
  const { q, batches, release } = recording({
    workers: 1, maxBatch: 8, conflicts: (j) => [j.person], maxWaitMs: 100, expired: () => { throw new Error('a refusal that cannot be built'); },
  });
  const running = q.submit({ n: 0, person: 'A' });
  await tick();
  const late = q.submit({ n: 1, person: 'B' });
  // Past the deadline with no chance for the sweep timer to run: the worker, freed next,
  // is the one that finds job 1 expired when it takes its next batch.
  const until = performance.now() + 150;
  while (performance.now() < until) {
    // wait
  }
  release[0]!();
  t.equal(await running, 'done 0');
  await t.rejects(late, /a refusal that cannot be built/, 'expired, even though building its refusal threw');
  await tick();
  t.same(batches, [[0]], 'no batch ran for the expired job, not even an empty one');
});

t.test('tune changes the workers, the largest batch and the gather time of a running queue', async (t) => {
  const h = harness(1, 2);
  t.same(h.q.settings, { workers: 1, maxBatch: 2, gatherMs: 0 });
  const first = [0, 1, 2, 3, 5, 6].map((n) => h.q.submit({ n, person: `P${n}` }));
  await tick();
  t.same(h.batches.map((b) => b.map((j) => j.n)), [[0, 1]], 'one worker, batches of two');

  // More workers: one starts at once for what waits, with the larger batch.
  h.q.tune({ workers: 2, maxBatch: 3 });
  t.same(h.q.settings, { workers: 2, maxBatch: 3, gatherMs: 0 });
  await tick();
  t.same(h.batches.map((b) => b.map((j) => j.n)), [[0, 1], [2, 3, 5]], 'a second worker took three');
  t.equal(h.mostRunning(), 2);

  // Fewer workers: both busy ones finish their transaction; only one goes on.
  const second = [7, 8, 10, 11].map((n) => h.q.submit({ n, person: `P${n}` }));
  h.q.tune({ workers: 1, maxBatch: 1 });
  h.release[0]!();
  await tick();
  h.release[1]!();
  await tick();
  t.same(h.batches.map((b) => b.map((j) => j.n)).slice(2), [[6]], 'after the two transactions, one worker takes a batch of one');
  for (let i = 2; i < 7; i++) {
    h.release[i]!();
    await tick();
  }
  t.same(h.batches.map((b) => b.map((j) => j.n)).slice(2), [[6], [7], [8], [10], [11]], 'one at a time, alone');
  t.same(await Promise.all([...first, ...second]),
    ['done 0', 'done 1', 'done 2', 'done 3', 'done 5', 'done 6', 'done 7', 'done 8', 'done 10', 'done 11']);
  t.equal(h.mostRunning(), 2, 'never more than two at once');

  t.throws(() => h.q.tune({ workers: 0 }), /at least one worker/);
  t.throws(() => h.q.tune({ maxBatch: 1.5 }), /a batch of at least one/);
  t.throws(() => h.q.tune({ gatherMs: -1 }), /gather time of at least 0/);
  t.throws(() => h.q.tune({ gatherMs: Infinity }), /gather time of at least 0/);
  t.same(h.q.settings, { workers: 1, maxBatch: 1, gatherMs: 0 }, 'a refused setting changes nothing');
});
