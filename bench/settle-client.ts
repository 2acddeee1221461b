/**
 * The load generator of `npm run bench:settle`, run as a child process (fork) so its
 * CPU never runs on the service's event loop. The parent sends one `run` message per
 * concurrency level; this process drives POST /v1/settlements with unique keys on
 * keep-alive connections until the deadline and answers with the latency summary and
 * its own CPU time. Any status other than 201 counts as an error.
 */
import http from 'node:http';
import { sampleRequest } from '../src/services/demo.js';

export interface RunMessage {
  type: 'run';
  port: number;
  apiKey: string;
  connections: number;
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
  const agent = new http.Agent({ keepAlive: true, maxSockets: m.connections });
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
  const deadline = performance.now() + m.seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const n = seq++;
      const key = `${m.label}-${n}`;
      const body = JSON.stringify({ ...template, visitNo: key, personId: `B${n % m.persons}` });
      const t0 = performance.now();
      const status = await one(body, key).catch((e: unknown) => {
        firstError ??= String(e);
        return 0;
      });
      if (status === 201) latencies.push(performance.now() - t0);
      else errors++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: m.connections }, worker));
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
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
