/**
 * `npm run import:identities -- list.csv [--batch ID] [--source civil_affairs]`
 * Imports an identity list (CSV: id_card,category,valid_from,valid_to) against
 * DATABASE_URL, in one transaction, with a progress bar on stderr. The batch id
 * defaults to the file name; re-running the same file is safe (idempotent by batch id).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { cliActor } from '../services/actor.js';
import { importIdentities, rowsFromCsv } from '../services/identity-import.js';
import { PolicyStore } from '../services/policies.js';
import { parseArgs, withCliDb } from './cli-db.js';
import { BatchIdS, SourceS } from '../http/schemas/imports.js';

const { positional, options } = parseArgs(process.argv.slice(2), ['batch', 'source']);
const file = positional[0];
if (!file) {
  console.error('usage: npm run import:identities -- FILE.csv [--batch ID] [--source civil_affairs|rural_revitalisation]');
  process.exit(2);
}
const batchId = options.batch ?? path.basename(file).replace(/\.[^.]*$/, '');
const source = options.source ?? 'civil_affairs';
// The API's own rules for both (a batch the API could never fetch back is refused here).
for (const [name, value, schema] of [['batch', batchId, BatchIdS], ['source', source, SourceS]] as const) {
  const pattern = (schema as unknown as { pattern: string }).pattern;
  if (!new RegExp(pattern).test(value)) {
    console.error(`--${name} ${JSON.stringify(value)} does not match ${pattern}${name === 'batch' && options.batch === undefined ? ' (it defaults to the file name: pass --batch)' : ''}`);
    process.exit(2);
  }
}

/** A one-line bar redrawn in place when stderr is a terminal; milestones only otherwise (CI logs). */
function progress(label: string): (done: number, total: number) => void {
  let lastPct = -1;
  let lastQuarter = 0;
  return (done, total) => {
    const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
    if (pct === lastPct) return;
    lastPct = pct;
    // Without a terminal, a line each time another quarter is passed (chunks rarely land on one exactly).
    const quarter = Math.floor(pct / 25);
    const milestone = quarter > lastQuarter;
    if (milestone) lastQuarter = quarter;
    const width = 30;
    const bar = '█'.repeat(Math.round((pct / 100) * width)).padEnd(width, '░');
    if (process.stderr.isTTY) process.stderr.write(`\r${label} ${bar} ${String(pct).padStart(3)}% ${done}/${total}${done === total ? '\n' : ''}`);
    else if (milestone) process.stderr.write(`${label} ${pct}% ${done}/${total}\n`);
  };
}

await withCliDb(async (db) => {
  const text = await readFile(file, 'utf8');
  const { rows, rowNumbers } = await rowsFromCsv(text);
  console.error(`${file}: ${rows.length} rows, batch ${batchId}, source ${source}`);
  const started = Date.now();
  const report = await importIdentities(db, new PolicyStore(db), cliActor(), { batchId, source, rows, rowNumbers }, { onProgress: progress('inserting') });
  const verb = report.replayed ? 'already imported' : 'imported';
  console.log(`${verb}: batch ${report.batchId}: ${report.rows} rows, ${report.inserted} new windows, ${report.closed} closed, ${report.unchanged} unchanged (${Date.now() - started} ms)`);
  const review = report.settlementsToReview ?? [];
  if ((report.settlementsToReviewCount ?? 0) > 0) {
    console.log(`${report.settlementsToReviewCount} active settlement(s) were computed with the identities as they were; preview each again, reverse and settle where it differs:`);
    for (const s of review) console.log(`  ${s.settlementId}  ${s.hospitalCode}  ${s.visitNo}  decided ${s.decidingDate}  as ${s.identityUsed ?? 'ordinary'}`);
    if (review.length < report.settlementsToReviewCount!) console.log(`  … and ${report.settlementsToReviewCount! - review.length} more: the list stops at ${review.length}; find them by person with GET /v1/settlements?person=`);
  }
});
