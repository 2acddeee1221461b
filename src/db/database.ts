import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { DB } from './schema.js';

/*
 * node-postgres parses `date` into a JS Date in the local time zone, which shifts civil
 * dates; we keep dates as "YYYY-MM-DD" strings. `numeric` and `int8` already arrive as
 * strings and stay so until they become Decimal. The parsers are set per pool, never on
 * the global pg.types.
 */
const DATE_OID = 1082;
const typeOverrides: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === DATE_OID ? (v: string) => v : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

export interface DbOptions {
  url: string;
  poolMax: number;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
}

export type Db = Kysely<DB>;

export function createPool(opts: DbOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolMax,
    types: typeOverrides,
    application_name: opts.applicationName ?? 'one-stop-settlement',
    // Fail fast instead of queueing forever when the database is unreachable.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  return pool;
}

export function createDb(opts: DbOptions): Db {
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool: createPool(opts) }) });
}

/** Replaces the database name of a connection string. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}
