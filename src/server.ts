import closeWithGrace from 'close-with-grace';
import { loadConfigOrExit, serviceDbOptions, type Config } from './config.js';
import { createDb, type Db } from './db/database.js';
import { startEmbeddedPostgres, type EmbeddedPg } from './db/embedded.js';
import { migrateToLatest } from './db/migrate.js';
import { settlementsAheadOfServer } from './db/repositories/settlements.js';
import { buildApp } from './http/app.js';
import { configuredFallbackFonts, type FallbackFont } from './slip/fonts.js';
import { loadPolicyVersions } from './services/bootstrap.js';
import { fixedClock, shanghaiToday } from './services/clock.js';
import { sampleRequest, seedDemo } from './services/demo.js';

/**
 * main(): config and fallback fonts → database (embedded when DATABASE_URL is unset) → migrations →
 * policy packs → demo data → app → listen. Ctrl-C / SIGTERM close the HTTP server,
 * then the pool, then the embedded PostgreSQL, within SHUTDOWN_GRACE_SECONDS.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env, process.argv.includes('--demo') ? { DEMO: true } : {});
  // Checked before any database work: a mistyped font path should not wait for an initdb to be reported.
  let fallbackFonts: FallbackFont[];
  try {
    fallbackFonts = configuredFallbackFonts(config.SLIP_FALLBACK_FONTS, config.projectRoot);
  } catch (err) {
    console.error('start-up failed:', err instanceof Error ? err.message : err);
    process.exit(1);
  }
  let embedded: EmbeddedPg | undefined;
  let db: Db | undefined;
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;

  const release = async () => {
    await app?.close();
    await db?.destroy();
    await embedded?.stop();
  };
  // SIGINT is ours (see onCtrlC); SIGTERM and fatal errors are close-with-grace's.
  let closing = false;
  const shutdown = closeWithGrace({ delay: config.SHUTDOWN_GRACE_SECONDS * 1000, skip: ['SIGINT'] }, async ({ err, signal }) => {
    closing = true;
    if (err) console.error('fatal:', err);
    else if (signal) console.error(`\n${signal}: shutting down`);
    await release();
  });
  const ctrlC = onCtrlC(() => void shutdown.close(), () => closing);
  process.on('SIGINT', ctrlC);

  try {
    let url = config.DATABASE_URL;
    if (!url) {
      console.error(`starting embedded PostgreSQL in ${config.PG_DATA_DIR} …`);
      embedded = await startEmbeddedPostgres({ dataDir: config.PG_DATA_DIR });
      // The service talks to it over its unix socket (cheaper per round trip); CLIs get the TCP URL.
      url = embedded.socketUrl ?? embedded.url;
    }
    // Migrations run on a connection of their own, without the service's statement and lock timeouts.
    const migrator = createDb({ url, poolMax: 1, applicationName: 'one-stop-settlement-migrate' });
    const migrated = await migrateToLatest(migrator).finally(() => migrator.destroy());
    db = createDb(serviceDbOptions(config, url));
    const packs = await loadPolicyVersions(db);
    app = await buildApp({ config, db, fallbackFonts });
    const demo = embedded || config.DEMO ? await seedDemo(db) : null;
    const address = await app.listen({ host: config.HOST, port: config.PORT });
    app.log.info({ migrations: migrated.map((m) => m.migrationName), policies: packs, embedded: !!embedded }, 'ready');
    const ahead = await settlementsAheadOfServer(db);
    if (ahead) {
      app.log.warn(ahead, 'settlements written by transactions newer than this server\'s own (a logical copy from another cluster?) are left out of GET /v1/settlements until its transaction count passes theirs; see migration 20261204230000');
    }
    if (packs.differs.length > 0) {
      app.log.warn({ differs: packs.differs }, 'bundled policy packs differ from their stored versions; the stored ones stay in force (publish a change under a new id)');
    }
    if (demo) printBanner(config, address, demo.apiKey, demo.adminKey, !!embedded);
    // The operational CLIs (keys, import:identities, migrate) take DATABASE_URL; say where the embedded server is.
    if (embedded) console.error(`  Embedded PostgreSQL for the CLIs: DATABASE_URL=${embedded.url} npm run keys -- list\n`);
  } catch (err) {
    console.error('start-up failed:', err instanceof Error ? err.message : err);
    // Not shutdown.close(): close-with-grace ends with process.exit(0), and a supervisor
    // (or a script) must see that the service did not start.
    shutdown.uninstall();
    process.off('SIGINT', ctrlC);
    await release().catch((e: unknown) => console.error('while stopping:', e instanceof Error ? e.message : e));
    process.exit(1);
  }
}

/**
 * Ctrl-C under `npm start` reaches the service twice: the terminal signals the whole
 * process group, and npm passes its own SIGINT on. Both arrive within moments, so a
 * SIGINT within a second of the first is the same key press: the graceful shutdown goes
 * on (requests in flight answered, the embedded PostgreSQL stopped). A later one is a
 * second press: exit at once. So is a Ctrl-C while a shutdown for another reason (SIGTERM,
 * a fatal error) is under way, as before.
 */
function onCtrlC(close: () => void, closingAlready: () => boolean): () => void {
  let first: number | undefined;
  return () => {
    const t = Date.now();
    if (first === undefined && closingAlready()) {
      console.error('SIGINT during shutdown, exiting');
      process.exit(1);
    }
    if (first === undefined) {
      first = t;
      console.error('\nSIGINT: shutting down');
      close();
    } else if (t - first >= 1000) {
      console.error('second SIGINT, exiting');
      process.exit(1);
    }
  };
}

function printBanner(config: Config, address: string, apiKey: string, adminKey: string, embedded: boolean): void {
  const base = address.replace('://0.0.0.0', '://127.0.0.1').replace('://[::]', '://127.0.0.1');
  const today = (config.SETTLEMENT_DATE ? fixedClock(config.SETTLEMENT_DATE) : shanghaiToday)();
  const body = JSON.stringify(sampleRequest(today));
  console.error(`
  One-stop settlement service is up.

  API docs:      ${base}/docs
  Demo API key:  ${apiKey}
                 (hospital key of WZ-DEMO-01: preview, settle, reverse, read its settlements)
  Admin key:     ${adminKey}
                 (hospitals, persons, identity imports, policies, keys)
                 (both shown once; new ones are minted at every start)

  Settle the sample bill of demo person DEMO-0001 at hospital WZ-DEMO-01:

  curl -s -X POST ${base}/v1/settlements \\
    -H 'authorization: Bearer ${apiKey}' \\
    -H 'content-type: application/json' \\
    -H "idempotency-key: demo-$(date +%s)" \\
    -d '${body}'

  (a second run answers 409 VISIT_ALREADY_SETTLED: the same visit is settled once.)
  Press Ctrl-C to stop${embedded ? ' (the embedded PostgreSQL stops with it)' : ''}.
`);
}

await main();
