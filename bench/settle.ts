/**
 * `npm run bench:settle`: settle throughput and latency over HTTP on loopback.
 *
 * Starts an embedded PostgreSQL in a temp dir (or creates a scratch database on
 * DATABASE_URL's server and drops it afterwards), migrates, seeds one hospital and
 * 10,000 persons, starts the app on 127.0.0.1, then drives POST /v1/settlements with
 * unique keys at 8 and 32 concurrent connections for BENCH_SECONDS (default 20) each,
 * and prints settlements/s with p50/p99 latency. Finally it checks the ledger
 * invariants over everything it wrote. The load generator shares the machine with the
 * server and the database, so the figures are a floor.
 */
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import pg from 'pg';
import { sql } from 'kysely';
import { loadConfig } from '../src/config.js';
import { createDb, withDatabase } from '../src/db/database.js';
import { startEmbeddedPostgres, type EmbeddedPg } from '../src/db/embedded.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { buildApp } from '../src/http/app.js';
import { loadPolicyVersions } from '../src/services/bootstrap.js';
import { fixedClock } from '../src/services/clock.js';
import { DEMO, sampleRequest, seedDemo } from '../src/services/demo.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const PERSONS = 10_000;
const LEVELS = (process.env.BENCH_CONNECTIONS ?? '8,32').split(',').map(Number);
const DATE = '2026-06-15';

async function scratchDatabase(): Promise<{ url: string; cleanup: () => Promise<void> }> {
  if (!process.env.DATABASE_URL) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'settlement-bench-'));
    const pgsrv: EmbeddedPg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), ephemeral: true });
    return { url: pgsrv.url, cleanup: () => pgsrv.stop() };
  }
  const admin = process.env.DATABASE_URL;
  const name = `bench_${Date.now().toString(36)}`;
  const run = async (q: string) => {
    const c = new pg.Client(admin);
    await c.connect();
    await c.query(q).finally(() => c.end());
  };
  await run(`CREATE DATABASE ${name}`);
  return { url: withDatabase(admin, name), cleanup: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function drive(port: number, apiKey: string, connections: number, label: string): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let errors = 0;
  let seq = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const one = (body: string, key: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, method: 'POST', path: '/v1/settlements', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${apiKey}`, 'idempotency-key': key } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const worker = async () => {
    while (performance.now() < deadline) {
      const n = seq++;
      const body = JSON.stringify({ ...sampleRequest(DATE, `${label}-${n}`), personId: `B${n % PERSONS}` });
      const t0 = performance.now();
      const status = await one(body, `${label}-${n}`).catch(() => 0);
      if (status === 201) latencies.push(performance.now() - t0);
      else errors++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  console.log(
    `${String(connections).padStart(3)} connections: ${(latencies.length / elapsed).toFixed(0).padStart(6)} settlements/s  ` +
      `p50 ${percentile(latencies, 50).toFixed(1)} ms  p99 ${percentile(latencies, 99).toFixed(1)} ms  ` +
      `(${latencies.length} settled, ${errors} errors, ${elapsed.toFixed(1)} s)`,
  );
}

async function main(): Promise<void> {
  const { url, cleanup } = await scratchDatabase();
  const config = loadConfig({ ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn', RATE_LIMIT_MAX: '0' } as NodeJS.ProcessEnv);
  const db = createDb({ url, poolMax: config.DB_POOL_MAX });
  try {
    await migrateToLatest(db);
    await loadPolicyVersions(db);
    // The demo hospital's own key: the bench settles the demo hospital's bills.
    const { apiKey: key } = await seedDemo(db);
    await sql`INSERT INTO persons (id, name, id_card, insured_region, scheme)
      SELECT 'B' || g, 'bench', '330302199001011235', ${DEMO.region}, 'urban_rural_resident' FROM generate_series(0, ${PERSONS - 1}) g`.execute(db);
    await sql`INSERT INTO identities (person_id, category, valid_from) SELECT 'B' || g, 'dibao', '2020-01-01' FROM generate_series(0, ${PERSONS - 1}, 3) g`.execute(db);
    await sql`ANALYZE`.execute(db);
    const app = await buildApp({ config, db, logger: false, clock: fixedClock(DATE), docs: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    console.log(`bench: ${PERSONS} persons, pool ${config.DB_POOL_MAX}, ${SECONDS} s per level, ${os.cpus().length} CPUs, ${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL'}`);
    for (const c of LEVELS) await drive(port, key, c, `c${c}`);
    await app.close();
    await checkInvariants(db);
  } finally {
    await db.destroy();
    await cleanup();
  }
}

/** Over everything written: per person-year ledger = sum of its settlements; chains of before/after agree. */
async function checkInvariants(db: ReturnType<typeof createDb>): Promise<void> {
  const { rows } = await sql<{ check: string; bad: string; total: string }>`
    WITH s AS (
      SELECT s.*, lag(s.result->'ledgerAfter') OVER (PARTITION BY person_id, policy_year ORDER BY created_at, id) AS prev_after
      FROM settlements s WHERE kind = 'settlement'
    ), agg AS (
      SELECT person_id, policy_year, count(*) AS n, sum(amount_patient) AS patient, sum(amount_fund_total) AS fund
      FROM settlements GROUP BY 1, 2
    )
    SELECT 'ledger = sum of settlements' AS check,
      count(*) FILTER (WHERE (l.data->>'inpatientAdmissions')::int <> a.n OR (l.data->>'patientPaid')::numeric <> a.patient) AS bad,
      count(*) AS total
    FROM agg a JOIN person_ledgers l ON l.person_id = a.person_id AND l.year = a.policy_year
    UNION ALL
    SELECT 'before = previous after', count(*) FILTER (WHERE prev_after IS NOT NULL AND prev_after <> result->'ledgerBefore'), count(*) FROM s
    UNION ALL
    SELECT 'fund lines = fund total', count(*) FILTER (WHERE f.sum <> s.amount_fund_total), count(*)
    FROM settlements s JOIN (SELECT settlement_id, sum(amount_paid) AS sum FROM settlement_fund_lines GROUP BY 1) f ON f.settlement_id = s.id
    UNION ALL
    SELECT 'one idempotency record per settlement', abs((SELECT count(*) FROM idempotency_keys) - (SELECT count(*) FROM settlements)), 1`.execute(db);
  let ok = true;
  for (const r of rows) {
    ok &&= r.bad === '0';
    console.log(`invariant ${r.bad === '0' ? 'ok  ' : 'FAIL'} ${r.check} (${r.total} checked, ${r.bad} bad)`);
  }
  if (!ok) process.exitCode = 1;
}

await main();
