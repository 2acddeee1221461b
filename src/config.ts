import path from 'node:path';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';

/**
 * The one validated, frozen configuration object. Every variable the service reads
 * from the environment is declared here (and only here): the compose-file test checks
 * docker-compose.yml against this schema, and the README lists the same names.
 */
export const ConfigSchema = Type.Object({
  /** External PostgreSQL. When unset, the server starts an embedded PostgreSQL. */
  DATABASE_URL: Type.Optional(Type.String({ minLength: 1, description: 'postgres://… of an external server; unset = embedded PostgreSQL' })),
  /** Where the embedded PostgreSQL keeps its data (relative paths are resolved from the project root). */
  PG_DATA_DIR: Type.String({ default: '.data/pg', description: 'data directory of the embedded PostgreSQL' }),
  /** Pool size; 4–8 suits a 2-core machine: more connections only queue on the ledger locks. */
  DB_POOL_MAX: Type.Integer({ default: 6, minimum: 1, maximum: 64, description: 'database connection pool size' }),
  /**
   * Settlement transactions running at once; requests beyond wait and then share a
   * transaction (group commit). At most DB_POOL_MAX; unset: 3, or DB_POOL_MAX if smaller.
   * Below DB_POOL_MAX, reads always find a connection.
   */
  SETTLE_WORKERS: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, description: 'settlement transactions at once (group commit beyond); unset = min(3, DB_POOL_MAX)' })),
  /** Most settlements one shared transaction takes (1 = no group commit). */
  SETTLE_BATCH_MAX: Type.Integer({ default: 8, minimum: 1, maximum: 256, description: 'most settlements per shared transaction' }),
  /**
   * How long a free settlement worker gathers requests while another worker's transaction
   * runs, before it starts a transaction of its own (0 = only to the end of the event
   * loop's turn). More settlements per transaction, fewer transactions.
   */
  SETTLE_GATHER_MS: Type.Number({ default: 1, minimum: 0, maximum: 50, description: 'how long a free settlement worker gathers requests while another is busy (0 = none)' }),
  /** How long a settle request may wait for a free settlement worker before 503 (nothing written). */
  SETTLE_QUEUE_TIMEOUT_MS: Type.Integer({ default: 5000, minimum: 100, maximum: 600_000, description: 'wait for a settlement worker before 503' }),
  /**
   * statement_timeout of the service's connections: a statement running longer is
   * cancelled, its transaction rolls back and the request is answered 503 (send it again).
   * 0 = the server's own setting. Migrations and the CLI are not bounded.
   */
  DB_STATEMENT_TIMEOUT_MS: Type.Integer({ default: 30_000, minimum: 0, maximum: 3_600_000, description: 'statement_timeout of the service connections (0 = server setting)' }),
  /**
   * lock_timeout of the service's connections: a settlement waits this long at most for a
   * row another transaction holds (a person's ledger, an idempotency key), then 503.
   * 0 = the server's own setting.
   */
  DB_LOCK_TIMEOUT_MS: Type.Integer({ default: 5_000, minimum: 0, maximum: 3_600_000, description: 'lock_timeout of the service connections (0 = server setting)' }),
  /**
   * Time a client has to send a whole request, headers and body, before it is answered
   * 408 REQUEST_TIMEOUT and its connection closed: a body shorter than its Content-Length
   * (a client that stalled or died mid-send) must not hold a connection for ever. Checked
   * about once a second. The default is Node's own: a full identity list (200,000 rows,
   * 7.4 MB as CSV, 15 MB as JSON) still arrives over 51 KB/s from a slow hospital or
   * government network.
   */
  REQUEST_TIMEOUT_SECONDS: Type.Integer({ default: 300, minimum: 1, maximum: 3600, description: 'time to receive a whole request before 408' }),
  HOST: Type.String({ default: '127.0.0.1', description: 'interface to listen on (0.0.0.0 in containers)' }),
  PORT: Type.Integer({ default: 3000, minimum: 0, maximum: 65535, description: 'HTTP port' }),
  LOG_LEVEL: Type.Union(
    [Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')],
    { default: 'info', description: 'pino log level' },
  ),
  /** Create the demo hospital, person and API key even against an external database (same as --demo). */
  DEMO: Type.Boolean({ default: false, description: 'seed demo data (also --demo); always on with embedded PostgreSQL' }),
  /**
   * Pins the settlement date (YYYY-MM-DD) instead of today's date in Asia/Shanghai.
   * For tests, demos of past policy years and replays of an incident; never in production.
   */
  SETTLEMENT_DATE: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'fixed settlement date (testing only)' })),
  /** Requests per API key per window before 429 (0 = no limit); each replica counts on its own. */
  RATE_LIMIT_MAX: Type.Integer({ default: 6000, minimum: 0, description: 'requests per API key per RATE_LIMIT_WINDOW_SECONDS (0 = off)' }),
  RATE_LIMIT_WINDOW_SECONDS: Type.Integer({ default: 60, minimum: 1, maximum: 3600, description: 'rate-limit window' }),
  /**
   * Font files (TTF/OTF, comma-separated; relative paths from the project root) the PDF
   * slip draws a character in when the bundled Noto Sans SC lacks it: rare characters of
   * names (CJK Extension B and beyond). Read and checked at start. The Docker image sets
   * Debian's HanaMinA and HanaMinB.
   */
  SLIP_FALLBACK_FONTS: Type.String({ default: '', description: 'fallback font files for the PDF slip (comma-separated TTF/OTF), tried in order' }),
  /** Seconds a graceful shutdown may take before the process exits anyway. */
  SHUTDOWN_GRACE_SECONDS: Type.Integer({ default: 10, minimum: 1, maximum: 120, description: 'graceful shutdown delay' }),
});

export type Config = Readonly<Omit<Static<typeof ConfigSchema>, 'SETTLE_WORKERS'>> & { readonly SETTLE_WORKERS: number; readonly projectRoot: string };

/** The names of every environment variable the service reads. */
export const CONFIG_ENV_KEYS: readonly string[] = Object.keys(ConfigSchema.properties);

/** The values a variable declared as a union of literals may take (LOG_LEVEL), else undefined. */
function literalsOf(key: string): string[] | undefined {
  const schema = (ConfigSchema.properties as Record<string, { anyOf?: Array<{ const?: unknown }> }>)[key];
  const values = schema?.anyOf?.map((s) => s.const);
  return values && values.every((v) => typeof v === 'string') ? (values as string[]) : undefined;
}

/**
 * loadConfig for an entry point (the server, a CLI): a bad variable is a user's
 * mistake, so it is said in one message, without a stack, and the process exits 2.
 */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Static<typeof ConfigSchema>> = {}): Config {
  try {
    return loadConfig(env, overrides);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(2);
  }
}

/** The pool options of the service's own connections (not the migrator's, not the CLI's). */
export function serviceDbOptions(config: Config, url: string): { url: string; poolMax: number; statementTimeoutMs: number; lockTimeoutMs: number } {
  return { url, poolMax: config.DB_POOL_MAX, statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS, lockTimeoutMs: config.DB_LOCK_TIMEOUT_MS };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The project root: one level above src/ (works for src/*.ts under tsx and for dist/src/*.js). */
export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');

/**
 * Builds the config from an environment (process.env by default) and explicit
 * overrides (tests, CLI flags). Unknown variables are ignored; a bad value fails fast
 * with every problem listed.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Static<typeof ConfigSchema>> = {}): Config {
  const raw: Record<string, unknown> = {};
  for (const key of CONFIG_ENV_KEYS) {
    const v = env[key];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  Object.assign(raw, overrides);
  const value = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, raw));
  if (!Value.Check(ConfigSchema, value)) {
    // One line per variable (a union reports each of its branches), with the allowed values when they are few.
    const problems = new Map<string, string>();
    for (const e of Value.Errors(ConfigSchema, value)) {
      const key = e.instancePath.slice(1) || '(root)';
      if (problems.has(key)) continue;
      const allowed = literalsOf(key);
      const got = JSON.stringify((value as Record<string, unknown>)[key]);
      problems.set(key, allowed ? `${key}: must be one of ${allowed.join(', ')} (got ${got})` : `${key}: ${e.message} (got ${got})`);
    }
    throw new ConfigError(`invalid configuration:\n  ${[...problems.values()].join('\n  ')}`);
  }
  const cfg = value as Static<typeof ConfigSchema>;
  if (cfg.SETTLE_WORKERS !== undefined && cfg.SETTLE_WORKERS > cfg.DB_POOL_MAX) {
    throw new ConfigError(`invalid configuration:\n  SETTLE_WORKERS: ${cfg.SETTLE_WORKERS} settlement workers need at most DB_POOL_MAX (${cfg.DB_POOL_MAX}) connections`);
  }
  return Object.freeze({
    ...cfg,
    SETTLE_WORKERS: cfg.SETTLE_WORKERS ?? Math.min(3, cfg.DB_POOL_MAX),
    PG_DATA_DIR: path.resolve(PROJECT_ROOT, cfg.PG_DATA_DIR),
    projectRoot: PROJECT_ROOT,
  });
}
