import pg from 'pg';
import { CompiledQuery, Kysely, PostgresDialect, type Transaction } from 'kysely';
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

/** idle_in_transaction_session_timeout of the service's connections: no transaction of ours waits on anything but PostgreSQL itself. */
export const IDLE_IN_TRANSACTION_MS = 60_000;

export interface DbOptions {
  url: string;
  poolMax: number;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
  /** statement_timeout (ms) of every pooled connection; 0 or unset: the server's own setting. */
  statementTimeoutMs?: number;
  /** lock_timeout (ms) of every pooled connection; 0 or unset: the server's own setting. */
  lockTimeoutMs?: number;
}

export type Db = Kysely<DB>;

export function createPool(opts: DbOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolMax,
    // Every query is written as soon as it is issued, not after the answer to the one
    // before (node-postgres pipeline mode): pgTransaction sends BEGIN with the first
    // statement behind it. Code that awaits each query behaves as without.
    pipeline: true,
    types: typeOverrides,
    application_name: opts.applicationName ?? 'one-stop-settlement',
    // Fail fast instead of queueing forever when the database is unreachable.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // A half-open connection (a peer gone without a FIN) is noticed instead of waited on forever.
    keepAlive: true,
    // A transaction left open by a stuck caller releases its locks (a person's ledger row) after this.
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS,
    // A statement stuck behind a lock, or running away, ends (SQLSTATE 55P03 / 57014) and
    // its transaction rolls back, instead of holding a connection and a worker for ever.
    ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
    ...(opts.lockTimeoutMs ? { lock_timeout: opts.lockTimeoutMs } : {}),
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  // Nor may a checked-out one: pg-pool takes its own 'error' listener off a client while
  // it is lent out, and an 'error' event with no listener ends the process (a backend
  // terminated or a socket reset between two statements of a transaction). The next
  // query on that client fails instead, and a broken client is not taken back.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  return pool;
}

const pools = new WeakMap<Db, pg.Pool>();

export function createDb(opts: DbOptions): Db {
  const pool = createPool(opts);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return db;
}

/**
 * One transaction on a pooled pg client: BEGIN, `fn`, COMMIT (ROLLBACK when `fn` or the
 * commit throws). The settlement hot path uses this instead of a kysely transaction so
 * its few statements can be named prepared statements on that client (parsed and
 * planned once per connection). Needs a Db made by createDb (it knows the pool).
 *
 * BEGIN is not waited for: it leaves together with `fn`'s first statement (the pool's
 * connections pipeline), and PostgreSQL runs the two back to back: one round trip and
 * one wake-up of the backend fewer. In bench:settle, with the two ways alternating every
 * 300 ms of one run, that came to 1–5% more settlements per second at 8 connections and
 * about 1% at 32 (2026-12-04, loopback); where the database is on another host, each
 * transaction also waits one network round trip less.
 * BEGIN's answer is checked before COMMIT. When no connection could be had, or BEGIN
 * failed, pgTransaction throws TransactionNotBegun (whatever `fn` threw meanwhile): nothing
 * of the transaction was written. A pooled connection is lent idle,
 * outside any transaction, and on such a connection BEGIN fails only when the connection
 * or the server does, which fails the statement behind it as well. The settlement's
 * opening statement could not commit on its own anyway: the key it claims points at a
 * settlement not yet inserted, and that foreign key is checked at commit.
 */
export async function pgTransaction<T>(db: Db, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const pool = pools.get(db);
  if (!pool) throw new Error('pgTransaction needs a Db created by createDb');
  const client = await pool.connect().catch((e: unknown) => {
    throw new TransactionNotBegun(asError(e));
  });
  let broken: Error | undefined;
  // Settles to BEGIN's error, or undefined when it began; never rejects (so never unhandled).
  const began = client.query('BEGIN').then(() => undefined, asError);
  try {
    const result = await fn(client);
    const beginError = await began;
    if (beginError) throw beginError;
    // COMMIT of a transaction that already failed answers ROLLBACK, without an error.
    const commit = await client.query('COMMIT');
    if (commit.command !== 'COMMIT') throw new Error(`transaction ended with ${commit.command} instead of COMMIT`);
    return result;
  } catch (err) {
    // A connection whose BEGIN failed is not taken back either.
    const beginError = await began;
    broken = beginError;
    await client.query('ROLLBACK').catch((e: unknown) => {
      // A connection that cannot roll back is not given back to the pool.
      broken = asError(e);
    });
    throw beginError ? new TransactionNotBegun(beginError) : err;
  } finally {
    client.release(broken);
  }
}

/** What was thrown, as an Error (pg.PoolClient#release takes an Error to discard a connection). */
function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * pgTransaction's transaction never began: no pooled connection could be had (the
 * database unreachable, or every connection busy for the pool's wait), or BEGIN failed
 * (the connection or the server did; `fn` may have run, on no transaction of its own).
 */
export class TransactionNotBegun extends Error {
  constructor(override readonly cause: Error) {
    super(`the transaction could not begin: ${cause.message}`);
  }
}

/** Replaces the database name of a connection string. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/**
 * Runs one statement of fixed text with positional parameters ($1, $2, …) on a Db, a
 * kysely transaction or a pg client. On a pg client or a Db made by createDb it is a
 * named prepared statement:
 * PostgreSQL parses and plans `name` once per connection (so one name must always carry
 * the same text).
 */
export async function runStatement<R>(q: Db | Transaction<DB> | pg.ClientBase, name: string, text: string, values: unknown[]): Promise<R[]> {
  if (q instanceof Kysely) {
    // A Db from createDb: on any pooled connection, named. A kysely transaction: unnamed.
    const pool = q.isTransaction ? undefined : pools.get(q);
    if (pool) return (await pool.query<R & pg.QueryResultRow>({ name, text, values })).rows;
    return (await q.executeQuery<R>(CompiledQuery.raw(text, values))).rows;
  }
  return (await q.query<R & pg.QueryResultRow>({ name, text, values })).rows;
}
