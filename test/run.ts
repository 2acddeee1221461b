/**
 * `npm test`: runs tap against a real PostgreSQL.
 *
 * Without DATABASE_URL it starts an embedded PostgreSQL 17 in a temporary directory on a
 * free port; with DATABASE_URL it uses that server. Either way it migrates one template
 * database, exports TEST_PG_URL / TEST_TEMPLATE_DB, runs tap (extra arguments pass
 * through: `npm test -- test/http`), then drops what it created, stops the embedded
 * server and exits with tap's exit code.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPg } from '../src/db/embedded.js';
import { prepareTemplate, dropRunDatabases } from './helpers/template.js';

const runId = `t${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
let embedded: EmbeddedPg | undefined;
let embeddedDir: string | undefined;
let adminUrl = process.env.DATABASE_URL;

async function cleanup(): Promise<void> {
  if (adminUrl) await dropRunDatabases(adminUrl, runId).catch((e) => console.error('[test] cleanup:', e.message));
  await embedded?.stop().catch((e) => console.error('[test] stopping PostgreSQL:', e.message));
  // stop() removes the data directory (ephemeral); the temporary directory around it goes too.
  if (embeddedDir) await rm(embeddedDir, { recursive: true, force: true }).catch(() => {});
}

async function main(): Promise<number> {
  if (!adminUrl) {
    const dir = (embeddedDir = await mkdtemp(path.join(os.tmpdir(), 'settlement-test-')));
    const started = Date.now();
    embedded = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), ephemeral: true });
    adminUrl = embedded.url;
    console.log(`[test] embedded PostgreSQL on port ${embedded.port} (${Date.now() - started} ms)`);
  } else {
    const c = new pg.Client(adminUrl);
    await c.connect();
    await c.end();
    console.log('[test] using DATABASE_URL');
  }
  const template = await prepareTemplate(adminUrl, runId);

  const tap = path.join(import.meta.dirname, '..', 'node_modules', '.bin', 'tap');
  // Test files are *.test.ts: helpers (and this runner) live under test/ too and must not run as tests.
  const child = spawn(tap, ['--include=**/*.test.@(ts|mts|js|mjs)', ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, TEST_PG_URL: adminUrl, TEST_TEMPLATE_DB: template, TEST_RUN_ID: runId },
  });
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

let code = 1;
try {
  code = await main();
} catch (err) {
  console.error('[test] setup failed:', err);
} finally {
  await cleanup();
}
process.exit(code);
