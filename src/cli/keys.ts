/**
 * `npm run keys -- create --role hospital --hospital WZ-DEMO-01 --label "HIS 1"`
 * `npm run keys -- list`
 * `npm run keys -- revoke <key id> [--reason TEXT]`
 * Against DATABASE_URL; every change is in the audit log as cli:<user>.
 */
import { cliActor } from '../services/actor.js';
import { createKey, listKeys, revokeKey, ROLES, type Role } from '../services/api-keys.js';
import { parseArgs, withCliDb } from './cli-db.js';

const USAGE = `usage:
  npm run keys -- create --role hospital|cashier|ops|admin [--hospital CODE] --label TEXT
  npm run keys -- list
  npm run keys -- revoke KEY_ID [--reason TEXT]`;

const { positional, options } = parseArgs(process.argv.slice(2), ['role', 'hospital', 'label', 'reason']);
const [command, id] = positional;

if (!command || !['create', 'list', 'revoke'].includes(command) || (command === 'revoke' && !id)) {
  console.error(USAGE);
  process.exit(2);
}
if (command === 'create' && (!ROLES.includes(options.role as Role) || !options.label)) {
  console.error(`create needs --role (${ROLES.join(', ')}) and --label\n${USAGE}`);
  process.exit(2);
}
if (command === 'create' && options.label!.length > 100) {
  console.error(`--label takes at most 100 characters (as the API), got ${options.label!.length}`);
  process.exit(2);
}
if (command === 'revoke' && options.reason !== undefined && !(options.reason.length >= 1 && options.reason.length <= 500)) {
  console.error(`--reason takes 1 to 500 characters (as the API), got ${options.reason.length}`);
  process.exit(2);
}
if (command === 'revoke' && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id!)) {
  console.error(`${id} is not a key id (a UUID from \`npm run keys -- list\`)`);
  process.exit(2);
}

await withCliDb(async (db) => {
  if (command === 'create') {
    const k = await createKey(db, cliActor(), { label: options.label!, role: options.role as Role, hospitalCode: options.hospital ?? null });
    console.log(`created ${k.role} key ${k.id}${k.hospitalCode ? ` for ${k.hospitalCode}` : ''} (${k.label})`);
    console.log(`\n  ${k.key}\n\nShown once: only its SHA-256 digest is stored.`);
  } else if (command === 'list') {
    const rows = await listKeys(db);
    for (const k of rows) {
      console.log([k.id, k.prefix.padEnd(8), k.role.padEnd(8), (k.hospitalCode ?? '-').padEnd(12), k.revokedAt ? `revoked ${k.revokedAt}` : 'active', k.label].join('  '));
    }
    console.log(`${rows.length} key(s)`);
  } else {
    const k = await revokeKey(db, cliActor(), id!, options.reason);
    console.log(`revoked ${k.id} (${k.label}) at ${k.revokedAt}; running servers stop accepting it within 10 s`);
  }
});
