import pg from 'pg';

/**
 * Puts `around` in front of pg.Client#query on every client of this process, until the
 * function it answers is called. `around` gets the client, the query's arguments and
 * `through`, which passes the query on and answers what pg answers.
 */
export function interceptQueries(around: (client: pg.Client, args: unknown[], through: () => unknown) => unknown): () => void {
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    return around(this, args, () => (original as (...a: unknown[]) => unknown).apply(this, args));
  } as typeof original;
  return () => {
    pg.Client.prototype.query = original;
  };
}
