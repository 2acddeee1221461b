/**
 * The load generator of `npm run bench:settle`, run as a child process (fork) so its
 * CPU never runs on the service's event loop. The parent sends one `run` message per
 * concurrency level; this process drives POST /v1/settlements with unique keys on
 * keep-alive connections until the deadline and answers with the latency summary and
 * its own CPU time. Any status other than 201 counts as an error.
 *
 * It speaks HTTP/1.1 over plain sockets rather than through node:http. It shares the
 * machine's two cores with the service and PostgreSQL, so what it spends is taken from
 * them: each request is the bytes of one prepared template with the key and person
 * spliced in, and of each answer only the status line and Content-Length are parsed
 * (the service always sends one); the body is buffered up to that length, not parsed. node:http's client cost about three
 * times the CPU per request.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sampleRequest } from '../src/services/demo.js';
import { pausesIn } from './pauses.js';
import { sideAt } from './alternate.js';

export interface RunMessage {
  type: 'run';
  port: number;
  apiKey: string;
  /** Closed loop: this many requests in flight, each sent when the previous one answered. */
  connections: number;
  /**
   * Open loop instead (when set): requests sent at this fixed rate per second whatever the
   * answers, on up to 512 sockets; a latency counts from the moment the request was due,
   * so a service falling behind shows in it.
   */
  rate?: number;
  seconds: number;
  label: string;
  persons: number;
  date: string;
  /** BENCH_ALTERNATE: the parent switches between two settings every periodMs from t0 (Unix epoch ms), A first; latencies are reported per side too, by when each request was due. */
  alternate?: { t0: number; periodMs: number };
}

/** The latencies of the requests due while one side of BENCH_ALTERNATE was in force. */
export interface SideLatency {
  settled: number;
  errors: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface RunResult {
  type: 'result';
  connections: number;
  settled: number;
  errors: number;
  /** First non-201 status and a bit of its body, to say why. */
  firstError: string | null;
  elapsed: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  clientCpuMs: number;
  /** Stretches of more than PAUSE_MS in which no request was answered, and the longest. */
  pauses: number;
  longestPause: number;
  /** The longest this process's event loop was late during the level, ms (a stall of the load generator itself). */
  loopDelayMaxMs: number;
  /** With `alternate`: sides A and B. */
  sides?: [SideLatency, SideLatency];
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** p50, p90, p99 and the largest of some latencies (NaN for none). */
function summary(latencies: number[]): { p50: number; p90: number; p99: number; max: number } {
  const sorted = Float64Array.from(latencies).sort();
  return { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.length ? sorted[sorted.length - 1]! : NaN };
}

const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_SOCKETS_OPEN_LOOP = 512;

/** One keep-alive connection that sends a request and waits for its whole answer before the next. */
class Connection {
  private readonly socket: net.Socket;
  private readonly ready: Promise<void>;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Header length and body length of the answer being read, once its head has arrived. */
  private head: { length: number; status: number; bodyLength: number } | null = null;
  private pending: { resolve: (a: { status: number; body: Buffer }) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;

  constructor(port: number) {
    this.socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    // send() awaits it; a connection that fails before anything is sent on it must not crash the process.
    this.ready.catch(() => {});
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (e) => this.fail(e));
    this.socket.on('close', () => this.fail(new Error('connection closed by the service')));
  }

  get usable(): boolean {
    return this.failure === null;
  }

  async send(request: string): Promise<{ status: number; body: Buffer }> {
    await this.ready;
    if (this.failure) throw this.failure;
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(request);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const p = this.pending;
    this.pending = null;
    p?.reject(e);
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.head === null) {
      const all = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks);
      const end = all.indexOf(HEADER_END);
      if (end < 0) return;
      const text = all.toString('latin1', 0, end);
      const status = Number(text.slice(9, 12));
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(text);
      if (!m) {
        this.fail(new Error(`answer without Content-Length: ${text.slice(0, 200)}`));
        this.socket.destroy();
        return;
      }
      this.chunks = [all];
      this.head = { length: end + HEADER_END.length, status, bodyLength: Number(m[1]) };
    }
    const { length, status, bodyLength } = this.head;
    if (this.buffered < length + bodyLength) return;
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    // One request at a time on a connection, so nothing follows the body.
    const body = status === 201 ? all.subarray(0, 0) : all.subarray(length, length + bodyLength);
    this.chunks = [];
    this.buffered = 0;
    this.head = null;
    const p = this.pending;
    this.pending = null;
    p?.resolve({ status, body });
  }
}

/** The request's text with the visit number (also the idempotency key) and the person spliced in. */
function requestMaker(m: RunMessage): (visitNo: string, personId: string) => string {
  // `@@V@@` and `@@P@@` stand for the two values in the template's JSON; both values are
  // ASCII, so their length in bytes is their length.
  const pieces = JSON.stringify({ ...sampleRequest(m.date, '@@V@@'), personId: '@@P@@' }).split(/@@([VP])@@/);
  const fixedBytes = pieces.reduce((n, p, i) => (i % 2 === 0 ? n + Buffer.byteLength(p) : n), 0);
  return (visitNo, personId) => {
    let body = '';
    let bytes = fixedBytes;
    for (let i = 0; i < pieces.length; i++) {
      if (i % 2 === 0) body += pieces[i];
      else {
        const v = pieces[i] === 'V' ? visitNo : personId;
        body += v;
        bytes += v.length;
      }
    }
    return (
      `POST /v1/settlements HTTP/1.1\r\nhost: 127.0.0.1:${m.port}\r\ncontent-type: application/json\r\n` +
      `authorization: Bearer ${m.apiKey}\r\nidempotency-key: ${visitNo}\r\ncontent-length: ${bytes}\r\n\r\n${body}`
    );
  };
}

async function run(m: RunMessage): Promise<RunResult> {
  const latencies: number[] = [];
  /** By side (BENCH_ALTERNATE): latencies and errors of the requests due while it was in force. */
  const bySide = [{ latencies: [] as number[], errors: 0 }, { latencies: [] as number[], errors: 0 }];
  /** When each answer (of any status) arrived. */
  const answeredAt: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  let seq = 0;
  const request = requestMaker(m);
  const idle: Connection[] = [];
  const all: Connection[] = [];
  let open = 0;
  const limit = m.rate === undefined ? m.connections : MAX_SOCKETS_OPEN_LOOP;
  const waiting: Array<(c: Connection) => void> = [];
  const connect = (): Connection => {
    open++;
    const fresh = new Connection(m.port);
    all.push(fresh);
    return fresh;
  };
  const drop = (c: Connection): void => {
    open--;
    c.close();
  };
  /** An idle connection, a new one while fewer than the limit are open, or the next one released. */
  const acquire = (): Connection | Promise<Connection> => {
    // An idle connection the service has closed meanwhile (its keep-alive timeout) is
    // dropped, not handed out: node:http's agent does the same.
    for (let c = idle.pop(); c; c = idle.pop()) {
      if (c.usable) return c;
      drop(c);
    }
    if (open < limit) return connect();
    return new Promise((resolve) => waiting.push(resolve));
  };
  /** Hands a connection to the next waiting request (a new one in place of a broken one), else keeps it idle. */
  const release = (c: Connection): void => {
    const next = waiting.shift();
    if (!c.usable) {
      drop(c);
      if (next) next(connect());
    } else if (next) next(c);
    else idle.push(c);
  };
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  // BENCH_TRACE=dir: one line per request (sent at, ms after the level began; latency; status;
  // sent at, Unix epoch ms, to line it up with server logs) in dir/<label>.tsv.
  const trace: string[] | undefined = process.env.BENCH_TRACE ? ['sent_ms\tlatency_ms\tstatus\tsent_epoch_ms'] : undefined;
  const deadline = started + m.seconds * 1000;
  /** Sends the next request; its latency counts from `since` (now, or when it was due). */
  const settleNext = async (since: number): Promise<void> => {
    const n = seq++;
    const key = `${m.label}-${n}`;
    const text = request(key, `B${n % m.persons}`);
    const c = await acquire();
    const status = await c.send(text).then(
      (a) => {
        if (a.status !== 201) firstError ??= `${a.status} ${a.body.toString('utf8').slice(0, 300)}`;
        return a.status;
      },
      (e: unknown) => {
        firstError ??= String(e);
        return 0;
      },
    );
    release(c);
    const answered = performance.now();
    const took = answered - since;
    answeredAt.push(answered);
    const side = m.alternate ? bySide[sideAt(performance.timeOrigin + since, m.alternate.t0, m.alternate.periodMs)]! : undefined;
    if (status === 201) {
      latencies.push(took);
      side?.latencies.push(took);
    } else {
      errors++;
      if (side) side.errors++;
    }
    trace?.push(`${(since - started).toFixed(2)}\t${took.toFixed(2)}\t${status}\t${(performance.timeOrigin + since).toFixed(1)}`);
  };
  if (m.rate === undefined) {
    const worker = async () => {
      while (performance.now() < deadline) await settleNext(performance.now());
    };
    await Promise.all(Array.from({ length: m.connections }, worker));
  } else {
    const interval = 1000 / m.rate;
    const sent: Array<Promise<void>> = [];
    let due = started;
    while (due < deadline) {
      // Send everything due by now, then sleep until the next one is due (timers are ~1 ms).
      for (; due <= performance.now() && due < deadline; due += interval) sent.push(settleNext(due));
      await new Promise((r) => setTimeout(r, Math.max(0, Math.min(due, deadline) - performance.now())));
    }
    await Promise.all(sent);
  }
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  for (const c of all) c.close();
  if (trace) {
    mkdirSync(process.env.BENCH_TRACE!, { recursive: true });
    writeFileSync(path.join(process.env.BENCH_TRACE!, `${m.label}.tsv`), trace.join('\n') + '\n');
  }
  const { pauses, longest } = pausesIn(answeredAt);
  return {
    type: 'result', connections: m.connections, settled: latencies.length, errors, firstError, elapsed,
    ...summary(latencies),
    clientCpuMs: (cpu.user + cpu.system) / 1000,
    pauses, longestPause: longest, loopDelayMaxMs: loop.max / 1e6,
    ...(m.alternate ? { sides: bySide.map((b) => ({ settled: b.latencies.length, errors: b.errors, ...summary(b.latencies) })) as [SideLatency, SideLatency] } : {}),
  };
}

process.on('message', (m: RunMessage | { type: 'exit' }) => {
  if (m.type === 'exit') {
    process.disconnect();
    return;
  }
  run(m).then(
    (r) => process.send!(r),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
});
