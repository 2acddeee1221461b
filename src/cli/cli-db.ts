import { loadConfigOrExit } from '../config.js';
import { createDb, type Db } from '../db/database.js';

/**
 * Runs an operational command against DATABASE_URL and closes the pool after it. Exit
 * codes: 0 done, 1 refused or failed (message on stderr), 2 usage.
 */
export async function withCliDb(run: (db: Db) => Promise<void>): Promise<void> {
  const config = loadConfigOrExit();
  if (!config.DATABASE_URL) {
    console.error('DATABASE_URL is not set: point it at the service database (postgres://user:pass@host:5432/db).');
    process.exit(2);
  }
  const db = createDb({ url: config.DATABASE_URL, poolMax: 2, applicationName: 'one-stop-settlement-cli' });
  try {
    await run(db);
  } catch (err) {
    const e = err as { code?: string; message?: string; details?: unknown };
    // Node's own errors already start with their code (ENOENT: no such file …).
    console.error(e.code && !e.message?.startsWith(e.code) ? `${e.code}: ${e.message}` : err instanceof Error ? err.message : err);
    if (e.details && typeof e.details === 'object' && 'errors' in e.details) {
      for (const x of (e.details as { errors: unknown[] }).errors.slice(0, 50)) console.error(`  ${JSON.stringify(x)}`);
    }
    process.exitCode = 1;
  } finally {
    await db.destroy();
  }
}

/** `--name value` options and positional arguments. */
export function parseArgs(argv: string[], known: readonly string[]): { positional: string[]; options: Record<string, string> } {
  const positional: string[] = [];
  const options: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2) as [string, string | undefined];
      // A misspelt option (--hosptial) must not be dropped silently: the command would do something else.
      if (!known.includes(k)) {
        console.error(`unknown option --${k}${known.length > 0 ? ` (options: ${known.map((o) => `--${o}`).join(', ')})` : ''}`);
        process.exit(2);
      }
      options[k] = v ?? argv[++i] ?? '';
    } else positional.push(a);
  }
  return { positional, options };
}
