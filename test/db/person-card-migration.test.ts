import t from 'tap';
import { sql } from 'kysely';
import { migrateToLatest, migrator } from '../../src/db/migrate.js';
import { emptyDatabase } from '../helpers/db.js';

/*
 * Migration 20261202180000 makes ID-card numbers unique among persons. A database that
 * already holds two persons with one card must stop with the pairs named (masked), not
 * half-migrate; once the spare card is retired (its hint) it migrates.
 */
const { db } = await emptyDatabase(t, 'card');

t.test('persons sharing a card stop the migration, named and masked; merged, it runs', async (t) => {
  const before = await migrator(db).migrateTo('20261202160000_active_settlements_by_discharge');
  t.notOk(before.error, 'migrated up to the one before');
  await sql`INSERT INTO persons (id, name, id_card, insured_region, scheme) VALUES
    ('P-A', '甲', '330302199001011235', '330300', 'urban_rural_resident'),
    ('P-B', '乙', '330302199001011235', '330300', 'urban_rural_resident'),
    ('P-C', '丙', '330302198001011231', '330300', 'urban_rural_resident')`.execute(db);
  await t.rejects(migrateToLatest(db), /20261202180000_person_id_card_unique failed: persons share an ID-card number \(1 group\(s\)\): 330302\*{8}1235 \(P-A, P-B\)/);
  const index = await sql<{ n: string }>`SELECT count(*) AS n FROM pg_indexes WHERE indexname = 'persons_id_card_key'`.execute(db);
  t.equal(index.rows[0]!.n, '0', 'nothing of it was applied');

  // The remedy the hint gives: settlements and ledgers stay where they are, the spare card is retired.
  await sql`UPDATE persons SET id_card = id_card || '-DUP-' || id WHERE id = 'P-B'`.execute(db);
  await migrateToLatest(db);
  await t.rejects(
    sql`INSERT INTO persons (id, name, id_card, insured_region, scheme) VALUES ('P-D', '丁', '330302198001011231', '330300', 'urban_rural_resident')`.execute(db),
    /persons_id_card_key/,
    'from now on the database refuses a second person with a card',
  );
});
