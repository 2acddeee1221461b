import t, { type Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config.js';
import { testDatabase } from '../helpers/db.js';

/*
 * The service process as an operator starts it (src/server.ts in a child process): on
 * embedded PostgreSQL in a fresh data directory, stopped by SIGTERM; refused starts end
 * with exit code 1 and say why. Each embedded start runs initdb, so this file takes a
 * few seconds per case.
 */

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(env: Record<string, string>, opts: { ownGroup?: boolean } = {}): Started {
  const { DATABASE_URL: _none, ...inherited } = process.env;
  // As `npm start` runs it: Node itself, loading TypeScript through tsx's hooks.
  const child = spawn(process.execPath, ['--max-semi-space-size=64', '--import', 'tsx', path.join(PROJECT_ROOT, 'src', 'server.ts')], {
    cwd: PROJECT_ROOT,
    env: { ...inherited, PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // A process group of its own, as a terminal gives `npm start`: signalled as a whole by Ctrl-C.
    detached: opts.ownGroup ?? false,
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function until(s: Started, pattern: RegExp, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pattern.test(s.output())) {
    if (s.child.exitCode !== null || Date.now() > deadline) throw new Error(`never printed ${pattern}:\n${s.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const scratch = await mkdtemp(path.join(os.tmpdir(), 'settlement-server-test-'));
t.teardown(() => rm(scratch, { recursive: true, force: true }));

/** A service on a fresh embedded PostgreSQL in scratch/<name>, up and answering; killed at the test's end. */
async function startedEmbedded(t: Test, name: string, opts: { ownGroup?: boolean } = {}): Promise<Started & { dataDir: string; postmaster: number }> {
  const dataDir = path.join(scratch, name);
  const s = start({ PG_DATA_DIR: dataDir }, opts);
  t.teardown(() => void s.child.kill('SIGKILL'));
  await until(s, /One-stop settlement service is up/);
  const postmaster = Number((await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  return { ...s, dataDir, postmaster };
}

t.test('embedded: starts in an empty directory, refuses a second service on it, stops on SIGTERM with its PostgreSQL', async (t) => {
  const first = await startedEmbedded(t, 'one');
  const { dataDir, postmaster } = first;
  t.ok(alive(postmaster), `the embedded PostgreSQL runs (pid ${postmaster})`);
  t.match(first.output(), /Press Ctrl-C to stop \(the embedded PostgreSQL stops with it\)\./, 'the banner says Ctrl-C stops the embedded server too');

  const second = start({ PG_DATA_DIR: dataDir });
  t.equal(await second.exited, 1, 'a second service on the same data directory exits 1');
  t.match(second.output(), new RegExp(`in use by PostgreSQL process ${postmaster}`), 'and names the process that holds it');

  first.child.kill('SIGTERM');
  t.equal(await first.exited, 0, 'SIGTERM stops the service cleanly');
  t.notOk(alive(postmaster), 'and its PostgreSQL with it');
});

t.test('embedded: Ctrl-C (SIGINT to the process group, passed on once more by npm) shuts down once, gracefully, with its PostgreSQL', async (t) => {
  const s = await startedEmbedded(t, 'ctrl-c', { ownGroup: true });
  process.kill(-s.child.pid!, 'SIGINT');
  await new Promise((r) => setTimeout(r, 30));
  s.child.kill('SIGINT');
  t.equal(await s.exited, 0, 'the service exits 0: the graceful path ran to its end');
  t.equal(s.output().match(/SIGINT: shutting down/g)?.length, 1, 'one shutdown');
  t.notMatch(s.output(), /second SIGINT/, 'the repeated signal of the same key press is not a second press');
  t.notOk(alive(s.postmaster), 'and its PostgreSQL stopped with it');
});

t.test('embedded: Ctrl-C while a SIGTERM shutdown is under way exits at once, and its PostgreSQL still stops', async (t) => {
  const s = await startedEmbedded(t, 'term-then-int');
  s.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 20));
  s.child.kill('SIGINT');
  const code = await s.exited;
  t.match(s.output(), /SIGTERM: shutting down/);
  t.notMatch(s.output(), /SIGINT: shutting down/, 'no second shutdown runs beside the first');
  // Normally the Ctrl-C lands while the shutdown runs; on a quick machine it may find it done.
  if (code === 1) t.match(s.output(), /SIGINT during shutdown, exiting/, 'exit 1: cut short on purpose');
  else t.equal(code, 0, 'or the shutdown had finished: exit 0');
  const deadline = Date.now() + 10_000;
  while (alive(s.postmaster) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  t.notOk(alive(s.postmaster), 'its PostgreSQL stops all the same');
});

t.test('embedded: the remains of an interrupted initdb are cleared and initialised again', async (t) => {
  const dataDir = path.join(scratch, 'partial');
  await mkdir(dataDir, { recursive: true });
  await writeFile(path.join(dataDir, 'PG_VERSION'), '17\n'); // what initdb writes first
  const s = start({ PG_DATA_DIR: dataDir });
  t.teardown(() => void s.child.kill('SIGKILL'));
  await until(s, /One-stop settlement service is up/);
  s.child.kill('SIGTERM');
  t.equal(await s.exited, 0);
});

t.test('embedded: an initdb that never finished (its staging directory is still there) is cleared and run again', async (t) => {
  const dataDir = path.join(scratch, 'staged');
  await mkdir(path.join(dataDir, '.initdb-in-progress', 'global'), { recursive: true });
  // What a killed initdb leaves: pg_control already written, the databases not yet.
  await writeFile(path.join(dataDir, '.initdb-in-progress', 'PG_VERSION'), '17\n');
  await writeFile(path.join(dataDir, '.initdb-in-progress', 'global', 'pg_control'), '');
  await writeFile(path.join(dataDir, 'PG_VERSION'), '17\n'); // and a move into place cut short
  const s = start({ PG_DATA_DIR: dataDir });
  t.teardown(() => void s.child.kill('SIGKILL'));
  await until(s, /One-stop settlement service is up/);
  s.child.kill('SIGTERM');
  t.equal(await s.exited, 0);
  t.notOk(existsSync(path.join(dataDir, '.initdb-in-progress')), 'no staging directory is left');
});

t.test('embedded: a directory holding something else is refused, untouched', async (t) => {
  const dataDir = path.join(scratch, 'not-postgres');
  await mkdir(dataDir, { recursive: true });
  await writeFile(path.join(dataDir, 'notes.txt'), 'mine');
  const s = start({ PG_DATA_DIR: dataDir });
  t.equal(await s.exited, 1);
  t.match(s.output(), /is not empty and is not a PostgreSQL data directory/);
  t.equal(await readFile(path.join(dataDir, 'notes.txt'), 'utf8'), 'mine');
});

t.test('on DATABASE_URL with --demo: the banner names no embedded server, and SIGTERM stops the service', async (t) => {
  const tdb = await testDatabase(t);
  const s = start({ DATABASE_URL: tdb.url, DEMO: 'true' });
  t.teardown(() => void s.child.kill('SIGKILL'));
  await until(s, /Press Ctrl-C to stop/);
  t.match(s.output(), /Demo API key: +oss_/, 'the demo data is seeded and its key shown');
  t.match(s.output(), /Press Ctrl-C to stop\.\n/, 'Ctrl-C stops the service');
  t.notMatch(s.output(), /embedded PostgreSQL/, 'and no embedded server is mentioned');
  s.child.kill('SIGTERM');
  t.equal(await s.exited, 0, 'SIGTERM stops it cleanly');
});

t.test('a port already in use ends the start with exit code 1, not 0', async (t) => {
  const tdb = await testDatabase(t);
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const port = (blocker.address() as net.AddressInfo).port;
  const s = start({ DATABASE_URL: tdb.url, PORT: String(port) });
  t.equal(await s.exited, 1);
  t.match(s.output(), /start-up failed:.*EADDRINUSE/);
});

t.test('a fallback font that cannot be read ends the start before any database work', async (t) => {
  const dataDir = path.join(scratch, 'fonts');
  const s = start({ PG_DATA_DIR: dataDir, SLIP_FALLBACK_FONTS: '/nonexistent/HanaMinB.ttf' });
  t.teardown(() => void s.child.kill('SIGKILL'));
  t.equal(await s.exited, 1);
  t.match(s.output(), /start-up failed: SLIP_FALLBACK_FONTS: cannot read \/nonexistent\/HanaMinB\.ttf \(ENOENT\)/);
  t.notMatch(s.output(), /starting embedded PostgreSQL/, 'said before the embedded server is started');
  t.notOk(existsSync(dataDir), 'no data directory was made');
});
