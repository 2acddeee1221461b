import type { Test } from 'tap';
import type { TestApp } from './app.js';

/** Replays every settlement in the file's database and asserts each is identical (a suite-wide invariant). */
export async function assertEveryReplayIdentical(t: Test, ctx: TestApp): Promise<number> {
  const rows = await ctx.db.selectFrom('settlements').select('id').where('kind', '=', 'settlement').execute();
  for (const { id } of rows) {
    const r = await ctx.call('POST', `/v1/settlements/${id}/replay`, { body: {} });
    t.equal(r.statusCode, 200, `replay ${id}`);
    const body = r.json();
    t.ok(body.identical, `settlement ${id} replays identically`, { differences: body.differences });
  }
  return rows.length;
}
