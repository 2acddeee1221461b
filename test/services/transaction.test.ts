import t from 'tap';
import { testApp } from '../helpers/app.js';
import { bill, H, P } from '../helpers/fixtures.js';

/** Every table the settlement transaction writes (the audit row is a CTE of the settlement insert). */
const TABLES = ['settlements', 'settlement_fund_lines', 'settlement_inputs', 'idempotency_keys', 'person_ledgers', 'audit_log'] as const;

t.test('a failure after the settlement insert rolls the whole transaction back', async (t) => {
  let fail = true;
  const ctx = await testApp(t, {
    hooks: {
      afterSettlementInsert: () => {
        if (fail) throw new Error('injected failure after the settlement insert');
      },
    },
  });
  const counts = async (): Promise<Record<(typeof TABLES)[number], number>> => Object.fromEntries(await Promise.all(TABLES.map(async (tb) => [tb, Number((await ctx.db.selectFrom(tb).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)])));

  const initial = await counts();
  t.same({ ...initial, audit_log: 0 }, { settlements: 0, settlement_fund_lines: 0, settlement_inputs: 0, idempotency_keys: 0, person_ledgers: 0, audit_log: 0 }, 'a fresh database (audit rows of key set-up aside)');

  // A first settlement that commits, so the ledger row exists and must stay as it is.
  const ok = await ctx.call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO }), key: 'k-ok' }).then((r) => (fail = true, r));
  t.equal(ok.statusCode, 500, 'the hook fails the very first one too');
  t.same(await counts(), initial, 'even the new ledger row and the audit row are gone');

  fail = false;
  const first = await ctx.call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO }), key: 'k-first' });
  t.equal(first.statusCode, 201);
  // Read first: the ops key this mints writes an audit row of its own.
  const ledgerBefore = (await ctx.call('GET', `/v1/persons/${P.DIBAO}/ledger?year=2026`)).json();
  const before = await counts();
  t.equal(await ctx.db.selectFrom('audit_log').select('id').where('action', '=', 'settlement.create').execute().then((r) => r.length), 1, 'a committed settlement writes its audit row (so the check below would see one left behind)');

  fail = true;
  const r = await ctx.call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO }), key: 'k-fail' });
  t.equal(r.statusCode, 500);
  t.same(await counts(), before, 'no row of any kind is left');
  t.same((await ctx.call('GET', `/v1/persons/${P.DIBAO}/ledger?year=2026`)).json(), ledgerBefore, 'the ledger is unchanged');
  t.equal((await ctx.call('GET', `/v1/settlements/by-key/k-fail?hospital=${H.WZ2}`)).statusCode, 404, 'the key is free: only committed outcomes are replayed');

  fail = false;
  const retry = await ctx.call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO }), key: 'k-fail' });
  t.equal(retry.statusCode, 201, 'a retry with the same key settles normally');
});
