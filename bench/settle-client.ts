/**
 * The load generator of `npm run bench:settle`, run as a child process (fork) so its
 * CPU never runs on the service's event loop. The parent sends one `run` message per
 * concurrency level; this process drives POST /v1/settlements with unique keys on
 * keep-alive connections until the deadline and answers with the latency summary and
 * its own CPU time. Any status other than 201 counts as an error.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { sampleRequest } from '../src/services/demo.js';

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
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function run(m: RunMessage): Promise<RunResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: m.rate === undefined ? m.connections : 512 });
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  let seq = 0;
  const template = sampleRequest(m.date, 'x');
  const one = (body: string, key: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1', port: m.port, method: 'POST', path: '/v1/settlements', agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${m.apiKey}`, 'idempotency-key': key },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status === 201) {
            res.resume();
          } else {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (text += c));
            res.on('end', () => (firstError ??= `${status} ${text.slice(0, 300)}`));
          }
          res.on('end', () => resolve(status));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
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
    const body = JSON.stringify({ ...template, visitNo: key, personId: `B${n % m.persons}` });
    const status = await one(body, key).catch((e: unknown) => {
      firstError ??= String(e);
      return 0;
    });
    if (status === 201) latencies.push(performance.now() - since);
    else errors++;
    trace?.push(`${(since - started).toFixed(2)}\t${(performance.now() - since).toFixed(2)}\t${status}\t${(performance.timeOrigin + since).toFixed(1)}`);
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
  agent.destroy();
  if (trace) {
    mkdirSync(process.env.BENCH_TRACE!, { recursive: true });
    writeFileSync(path.join(process.env.BENCH_TRACE!, `${m.label}.tsv`), trace.join('\n') + '\n');
  }
  const sorted = Float64Array.from(latencies).sort();
  return {
    type: 'result', connections: m.connections, settled: latencies.length, errors, firstError, elapsed,
    p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.length ? sorted[sorted.length - 1]! : NaN,
    clientCpuMs: (cpu.user + cpu.system) / 1000,
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
