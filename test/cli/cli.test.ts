import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../src/config.js';
import { findActiveKey } from '../../src/services/api-keys.js';
import { testDatabase } from '../helpers/db.js';
import { H, seedReference } from '../helpers/fixtures.js';

/** The operational commands, run as the operator runs them (a child process against DATABASE_URL). */
const tdb = await testDatabase(t);
await seedReference(tdb.db);
await tdb.db.insertInto('persons').values({ id: 'P-CLI', name: '命令', id_card: '330302198505051236', insured_region: '330300', scheme: 'urban_rural_resident' }).execute();

const run = async (script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
  const tsx = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
  try {
    const r = await promisify(execFile)(tsx, [path.join(PROJECT_ROOT, 'src', 'cli', script), ...args], { env: { ...process.env, DATABASE_URL: tdb.url } });
    return { code: 0, ...r };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
};

t.test('keys: create prints the key once, list shows it without the secret, revoke stops it', async (t) => {
  const created = await run('keys.ts', ['create', '--role', 'cashier', '--hospital', H.WZ2, '--label', 'counter 1']);
  t.equal(created.code, 0, created.stderr);
  const key = /\b(oss_\S+)/.exec(created.stdout)?.[1];
  t.ok(key, 'the key is printed');
  const p = await findActiveKey(tdb.db, key!);
  t.match(p, { role: 'cashier', hospitalCode: H.WZ2 });
  const list = await run('keys.ts', ['list']);
  t.match(list.stdout, /cashier\s+WZ-H2\s+active\s+counter 1/);
  t.notMatch(list.stdout, key!);
  t.equal((await run('keys.ts', ['revoke', p!.keyId, '--reason', 'counter 1 retired'])).code, 0);
  t.equal(await findActiveKey(tdb.db, key!), null);
  const again = await run('keys.ts', ['revoke', p!.keyId]);
  t.equal(again.code, 1);
  t.match(again.stderr, /KEY_ALREADY_REVOKED/);
  t.equal((await run('keys.ts', ['create', '--role', 'ops'])).code, 2, 'usage errors exit 2');
  const audit = await tdb.db.selectFrom('audit_log').select(['action', 'actor', 'detail']).where('actor', 'like', 'cli:%').execute();
  t.same(audit.map((a) => a.action).sort(), ['key.create', 'key.revoke']);
  t.same(audit.find((a) => a.action === 'key.revoke')?.detail, { reason: 'counter 1 retired' }, 'the reason is in the audit row');
});

t.test('import:identities imports a CSV in one batch, reports progress, and is idempotent', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ids-'));
  const file = path.join(dir, 'ca-2026-06.csv');
  await writeFile(file, 'id_card,category,valid_from,valid_to\n330302198505051236,dibao,2026-01-01,\n330302198505051236,tekun,2026-01-01,2026-12-31\n');
  const first = await run('import-identities.ts', [file, '--source', 'civil_affairs']);
  t.equal(first.code, 0, first.stderr);
  t.match(first.stdout, /imported: batch ca-2026-06: 2 rows, 2 new windows/);
  t.match(first.stderr, /inserting .*100%/);
  t.equal((await tdb.db.selectFrom('identities').select('id').where('batch', '=', 'ca-2026-06').execute()).length, 2);
  t.match((await run('import-identities.ts', [file, '--source', 'civil_affairs'])).stdout, /already imported/);
  const bad = path.join(dir, 'bad.csv');
  await writeFile(bad, 'id_card,category,valid_from\n330302198505051237,dibao,2026-01-01\n');
  const refused = await run('import-identities.ts', [bad]);
  t.equal(refused.code, 1);
  t.match(refused.stderr, /IMPORT_REJECTED[\s\S]*ID_CARD_INVALID/);
  const spaced = path.join(dir, '民政 6月.csv');
  await writeFile(spaced, 'id_card,category,valid_from\n330302198505051236,dibao,2026-02-01\n');
  const unnamed = await run('import-identities.ts', [spaced]);
  t.equal(unnamed.code, 2, 'a batch id the API could never fetch back is refused before anything is written');
  t.match(unnamed.stderr, /does not match .* pass --batch/);
  t.equal((await run('import-identities.ts', [spaced, '--batch='])).code, 2, 'an empty batch id too');
  t.equal((await run('import-identities.ts', [spaced, '--batch', 'ok-1', '--source', 'Civil Affairs'])).code, 2, 'and a source the API refuses');
  t.equal((await tdb.db.selectFrom('identity_imports').select('batch_id').where('batch_id', 'in', ['民政 6月', '', 'ok-1']).execute()).length, 0);
});

t.test('a bad environment variable is one line per variable, with the allowed values, exit 2, no stack', async (t) => {
  const tsx = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
  const r = await promisify(execFile)(tsx, [path.join(PROJECT_ROOT, 'src', 'cli', 'migrate.ts')], { env: { ...process.env, DATABASE_URL: tdb.url, LOG_LEVEL: 'verbose', DB_POOL_MAX: 'abc' } })
    .then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }));
  t.equal(r.code, 2);
  t.equal(r.stderr.trim(), 'invalid configuration:\n  DB_POOL_MAX: must be integer (got "abc")\n  LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")');
  t.notMatch(r.stderr, /at loadConfig|\.ts:\d+/, 'no stack trace');
});

t.test('CLI mistakes are usage errors (exit 2) with a plain message: unknown options, a malformed key id, a long label, arguments to migrate', async (t) => {
  const typo = await run('keys.ts', ['create', '--role', 'cashier', '--hosptial', H.WZ2, '--label', 'x']);
  t.equal(typo.code, 2);
  t.match(typo.stderr, /unknown option --hosptial \(options: --role, --hospital, --label, --reason\)/);
  const badId = await run('keys.ts', ['revoke', '0000000000000000000000000000000000ab']);
  t.equal(badId.code, 2);
  t.match(badId.stderr, /is not a key id/);
  t.equal((await run('keys.ts', ['create', '--role', 'ops', '--label', 'x'.repeat(101)])).code, 2, 'a label longer than the API takes');
  const longReason = await run('keys.ts', ['revoke', '0b7d4b3e-8f00-4c5e-9a4e-2f1d2c3b4a59', '--reason', 'x'.repeat(501)]);
  t.equal(longReason.code, 2, 'a reason longer than the API takes');
  t.match(longReason.stderr, /--reason takes 1 to 500 characters/);
  t.equal((await run('migrate.ts', ['--bogus'])).code, 2);
  t.equal((await run('import-identities.ts', ['x.csv', '--sauce', 'civil_affairs'])).code, 2);
  const missing = await run('import-identities.ts', ['/nonexistent/list.csv']);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /^ENOENT: no such file/m);
  t.notMatch(missing.stderr, /ENOENT: ENOENT/, 'the code is not said twice');
});

t.test('import progress without a terminal: a line for each quarter passed, not only at 100%', async (t) => {
  const { syntheticIdCard } = await import('../../src/services/id-card.js');
  const cards = Array.from({ length: 5000 }, (_, i) => syntheticIdCard(2_000_000 + i));
  await tdb.db.insertInto('persons').values(cards.map((c, i) => ({ id: `P-PROG-${i}`, name: '进度', id_card: c, insured_region: '330300', scheme: 'urban_rural_resident' as const }))).execute();
  const file = path.join(os.tmpdir(), `progress-${process.pid}.csv`);
  await writeFile(file, `id_card,category,valid_from\n${cards.map((c) => `${c},dibao,2026-01-01`).join('\n')}\n`);
  t.teardown(() => rm(file, { force: true }));
  const r = await run('import-identities.ts', [file, '--batch', 'progress-1']);
  t.equal(r.code, 0, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('inserting'));
  t.ok(lines.length >= 3, `${lines.length} progress lines: ${lines.join(' | ')}`);
  t.match(lines.at(-1), /100% 5000\/5000/);
});
