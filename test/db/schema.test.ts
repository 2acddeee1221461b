import t, { type Test } from 'tap';
import { sql } from 'kysely';
import { testApp } from '../helpers/app.js';
import { bill, P } from '../helpers/fixtures.js';

/** The database enforces what it can on its own, whatever code writes to it. */
const ctx = await testApp(t);
const { db } = ctx;
const s = (await ctx.call('POST', '/v1/settlements', { body: bill({ personId: P.DIBAO, amount: 30_000 }), key: 'k-schema' })).json();

const refuses = async (t: Test, q: Promise<unknown>, pattern: RegExp) => {
  await t.rejects(q, pattern);
};

t.test('settlements and their fund lines are append-only', async (t) => {
  await refuses(t, sql`UPDATE settlements SET amount_patient = 0 WHERE id = ${s.id}`.execute(db), /only the reversal link/);
  await refuses(t, sql`DELETE FROM settlements WHERE id = ${s.id}`.execute(db), /append-only/);
  await refuses(t, sql`UPDATE settlement_fund_lines SET amount_paid = 0 WHERE settlement_id = ${s.id}`.execute(db), /append-only/);
  await refuses(t, sql`DELETE FROM settlement_inputs WHERE settlement_id = ${s.id}`.execute(db), /append-only/);
});

t.test('total = fund total + patient share is a CHECK', async (t) => {
  await refuses(
    t,
    db.transaction().execute(async (trx) => {
      await sql`INSERT INTO settlements SELECT gen_random_uuid(), kind, NULL, NULL, hospital_id, person_id, visit_no || '-x', visit_type,
        admission_date, discharge_date, settlement_date, deciding_date, policy_year, policy_version_id, identity_used, NULL, NULL,
        amount_total, amount_fully_self_paid, amount_over_limit, amount_pre_self_pay, amount_in_scope, amount_fund_total, amount_patient + 1,
        result, now() FROM settlements WHERE id = ${s.id}`.execute(trx);
    }),
    /check constraint/,
  );
});

t.test('fund lines must sum to the fund total at commit (deferred trigger)', async (t) => {
  await refuses(
    t,
    db.transaction().execute(async (trx) => {
      await sql`INSERT INTO settlements SELECT gen_random_uuid(), kind, NULL, NULL, hospital_id, person_id, visit_no || '-y', visit_type,
        admission_date, discharge_date, settlement_date, deciding_date, policy_year, policy_version_id, identity_used, NULL, NULL,
        amount_total, amount_fully_self_paid, amount_over_limit, amount_pre_self_pay, amount_in_scope, amount_fund_total, amount_patient,
        result, now() FROM settlements WHERE id = ${s.id}`.execute(trx);
    }),
    /fund lines of settlement .* sum to 0/,
  );
});

t.test('one active settlement per hospital visit is a partial unique index', async (t) => {
  await refuses(
    t,
    sql`INSERT INTO settlements SELECT gen_random_uuid(), kind, NULL, NULL, hospital_id, person_id, visit_no, visit_type,
      admission_date, discharge_date, settlement_date, deciding_date, policy_year, policy_version_id, identity_used, NULL, NULL,
      amount_total, amount_fully_self_paid, amount_over_limit, amount_pre_self_pay, amount_in_scope, amount_fund_total, amount_patient,
      result, now() FROM settlements WHERE id = ${s.id}`.execute(db),
    /settlements_one_active_visit/,
  );
});

t.test('money columns are numeric(14,2) and come back as exact strings', async (t) => {
  const row = await db.selectFrom('settlements').select(['amount_total', 'amount_fund_total', 'admission_date']).where('id', '=', s.id).executeTakeFirstOrThrow();
  t.equal(row.amount_total, '30000.00');
  t.equal(typeof row.amount_fund_total, 'string');
  t.equal(row.admission_date, '2026-06-01', 'dates stay civil dates');
  const lines = await db.selectFrom('settlement_fund_lines').select(sql<string>`sum(amount_paid)`.as('sum')).where('settlement_id', '=', s.id).executeTakeFirstOrThrow();
  t.equal(lines.sum, s.fundTotal);
});
