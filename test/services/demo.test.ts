import t from 'tap';
import { seedDemo } from '../../src/services/demo.js';
import { findActiveKey } from '../../src/services/api-keys.js';
import { testDatabase } from '../helpers/db.js';

t.test('every start re-mints the demo keys: the previous ones are revoked, each write has its audit row', async (t) => {
  const { db } = await testDatabase(t);
  const first = await seedDemo(db);
  const second = await seedDemo(db);
  t.equal(await findActiveKey(db, first.apiKey), null, 'the first hospital key no longer works');
  t.equal(await findActiveKey(db, first.adminKey), null, 'nor the first admin key');
  t.ok(await findActiveKey(db, second.apiKey), 'the new hospital key works');
  t.ok(await findActiveKey(db, second.adminKey), 'the new admin key works');
  const audit = await db.selectFrom('audit_log').select(['action', 'actor']).where('target_type', '=', 'api_key').orderBy('id').execute();
  t.same(audit.map((a) => `${a.actor} ${a.action}`), [
    'system:demo key.create', 'system:demo key.create',
    'system:demo key.revoke', 'system:demo key.revoke',
    'system:demo key.create', 'system:demo key.create',
  ]);
});
