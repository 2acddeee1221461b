import t from 'tap';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';

/*
 * The embedded server's own settings (SERVER_SETTINGS in src/db/embedded.ts) are in force,
 * and settings a caller adds (bench:settle's BENCH_PG_SETTINGS) come after them and win.
 */
const dir = await mkdtemp(path.join(os.tmpdir(), 'settlement-embedded-settings-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));

t.test('a new WAL segment is not zero-filled, backends flush their writes as they go; added settings apply and win', async (t) => {
  const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), ephemeral: true, settings: { work_mem: '3MB', max_connections: '37' } });
  t.teardown(() => server.stop());
  const c = new pg.Client(server.url);
  await c.connect();
  t.teardown(() => c.end());
  const show = async (name: string) => (await c.query<{ v: string }>(`SELECT current_setting($1) AS v`, [name])).rows[0]!.v;
  t.equal(await show('wal_init_zero'), 'off', 'wal_init_zero is off');
  t.equal(await show('backend_flush_after'), '256kB', 'backends ask for their writes to go out every 256 kB');
  t.equal(await show('work_mem'), '3MB', 'an added setting applies');
  t.equal(await show('max_connections'), '37', 'and wins over the embedded default');
});
