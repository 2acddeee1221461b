import t from 'tap';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { CONFIG_ENV_KEYS, loadConfig, PROJECT_ROOT } from '../../src/config.js';
import { SERVER_SETTINGS } from '../../src/db/embedded.js';

/** docker-compose.yml cannot run on CI; this keeps it honest against the config schema. */
t.test('the compose service env names only config variables, with values the schema accepts', async (t) => {
  const doc = parse(await readFile(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, { environment?: Record<string, string>; healthcheck?: unknown; depends_on?: Record<string, { condition: string }>; command?: string[] }>;
  };
  const svc = doc.services.service!;
  const env = svc.environment ?? {};
  for (const k of Object.keys(env)) t.ok(CONFIG_ENV_KEYS.includes(k), `${k} is a config variable`);
  t.ok(env.DATABASE_URL, 'compose uses the postgres service, not the embedded one');
  t.doesNotThrow(() => loadConfig(env), 'the values validate');
  t.equal(loadConfig(env).HOST, '0.0.0.0', 'listens on all interfaces inside the container');
  t.ok(svc.healthcheck, 'service has a healthcheck');
  t.ok(doc.services.db?.healthcheck, 'db has a healthcheck');
  t.equal(svc.depends_on?.db?.condition, 'service_healthy');
  // The compose PostgreSQL flushes backends' writes as the embedded server does (README, External PostgreSQL).
  const flush = SERVER_SETTINGS.find((s) => s.startsWith('backend_flush_after='));
  t.ok(flush);
  t.same(doc.services.db?.command, ['postgres', '-c', flush], 'the db service runs postgres with the embedded server\'s backend_flush_after');
});

t.test('the Dockerfile is multi-stage and runs as a non-root user', async (t) => {
  const text = await readFile(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
  t.ok((text.match(/^FROM /gm) ?? []).length >= 2, 'multi-stage');
  t.match(text, /^USER node$/m);
  t.match(text, /HEALTHCHECK/);
});

t.test('the image starts the service as `npm start` does, with tsx among the production dependencies', async (t) => {
  const text = await readFile(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
  const pkg = JSON.parse(await readFile(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; dependencies: Record<string, string> };
  const cmd = text.match(/^CMD (\[.*\])$/m);
  t.ok(cmd, 'an exec-form CMD');
  const start = pkg.scripts.start!.replace(/^exec /, '').split(' ');
  t.same(JSON.parse(cmd![1]!), start, 'the same command and flags');
  t.ok(pkg.dependencies.tsx, 'tsx is installed in the runtime image (npm ci --omit=dev)');
});

t.test('every variable the Dockerfile sets is a config variable the service accepts', async (t) => {
  const text = (await readFile(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8')).replace(/\\\n\s*/g, ' ');
  const env: Record<string, string> = {};
  for (const [, list] of text.matchAll(/^ENV (.+)$/gm)) {
    for (const pair of list!.trim().split(/\s+/)) {
      const eq = pair.indexOf('=');
      env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  t.ok(Object.keys(env).length > 0);
  for (const k of Object.keys(env)) if (k !== 'NODE_ENV') t.ok(CONFIG_ENV_KEYS.includes(k), `${k} is a config variable`);
  t.doesNotThrow(() => loadConfig(env));
  // The fallback fonts are the files of the Debian package the same image installs.
  t.match(text, /apt-get install -y --no-install-recommends fonts-hanazono/);
  t.same(env.SLIP_FALLBACK_FONTS!.split(','), ['/usr/share/fonts/truetype/hanazono/HanaMinA.ttf', '/usr/share/fonts/truetype/hanazono/HanaMinB.ttf']);
});
