import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/*
 * Debian's chromium for the HTML slip tests. When it is missing the helper installs it
 * with apt-get (the project's machines run tests as root and reach Debian's packages),
 * together with a small CJK font when the machine has none, so the screenshot shows
 * Chinese rather than empty boxes. Where it cannot be installed the caller skips with
 * the reason returned here.
 */

export const CHROMIUM_PATH = '/usr/bin/chromium';
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];

function run(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 15 * 60_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.slice(-2000) };
}

function hasCjkFont(): boolean {
  const r = run('fc-list', [':lang=zh', 'family']);
  return r.ok && r.out.trim() !== '';
}

/** Installs chromium (and a CJK font) when missing; returns a reason when it cannot. */
export function ensureChromium(): string | null {
  const wanted: string[] = [];
  if (!existsSync(CHROMIUM_PATH)) wanted.push('chromium');
  if (!hasCjkFont()) wanted.push('fonts-wqy-microhei');
  if (wanted.length === 0) return null;
  if (process.getuid?.() !== 0) return `${wanted.join(', ')} missing and not running as root to apt-get install it`;
  if (!existsSync('/usr/bin/apt-get')) return `${wanted.join(', ')} missing and no apt-get on this machine`;
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  const update = run('apt-get', [...lock, 'update']);
  if (!update.ok) return `apt-get update failed: ${update.out}`;
  const install = run('apt-get', [...lock, 'install', '-y', '--no-install-recommends', ...wanted]);
  if (!install.ok || !existsSync(CHROMIUM_PATH)) return `apt-get install ${wanted.join(' ')} failed: ${install.out}`;
  return null;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS, headless: true });
}
