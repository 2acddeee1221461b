import t from 'tap';
import { testApp } from '../helpers/app.js';
import { bill, P } from '../helpers/fixtures.js';

const TABLES = ['settlements', 'settlement_fund_lines', 'settlement_inputs', 'idempotency_keys', 'person_ledgers'] as const;

t.test('a failure after the settlement insert rolls the whole transaction back', async (t) => {
  let fail = true;
  const ctx = await testApp(t, {
    hooks: {
      afterSettlementInsert: () => {
        if (fail) throw new Error('injected failure after the settlement insert');
      },
    },
  });
  const counts = async () => Object.fromEntries(await Promise.all(TABLES.map(async (tb) => [tb, Number((await ctx.db.selectFrom(tb).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)])));

  // A first settlement that commits, so the ledger row exists and must stay as it is.
  const ok = await ctx.call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO }), key: 'k-ok' }).then((r) => (fail = true, r));
  t.equal(ok.statusCode, 500, 'the hook fails the very first one too');
  t.same(await counts(), { settlements: 0, settlement_fund_lines: 0, settlement_inputs: 0, idempotency_keys: 0, person_ledgers: 0 }, 'even the new ledger row is gone');

  fail = false;
  const first = await ctx.call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO }), key: 'k-first' });
  t.equal(first.statusCode, 201);
  const before = await counts();
  const ledgerBefore = (await ctx.call('GET', `/v1/persons/${P.DIBAO}/ledger?year=2026`)).json();

  fail = true;
  const r = await ctx.call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO }), key: 'k-fail' });
  t.equal(r.statusCode, 500);
  t.same(await counts(), before, 'no row of any kind is left');
  t.same((await ctx.call('GET', `/v1/persons/${P.DIBAO}/ledger?year=2026`)).json(), ledgerBefore, 'the ledger is unchanged');
  t.equal((await ctx.call('GET', '/v1/settlements/by-key/k-fail')).statusCode, 404, 'the key is free: only committed outcomes are replayed');

  fail = false;
  const retry = await ctx.call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO }), key: 'k-fail' });
  t.equal(retry.statusCode, 201, 'a retry with the same key settles normally');
});
