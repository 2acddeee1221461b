import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import { parse, type Parser } from 'csv-parse';
import type { Db } from '../db/database.js';
import { insertAudit } from '../db/repositories/audit.js';
import { activeSettlementsSince, closeWindows, findImport, insertImport, insertWindows, lockBatch, lockPersonsByIdCard, windowsOf } from '../db/repositories/identities.js';
import { own } from '../domain/own.js';
import { AppError } from '../http/errors.js';
import type { ImportReport } from '../http/schemas/imports.js';
import { auditEntry, type Actor } from './actor.js';
import { canonicalJson } from './canonical.js';
import { normaliseIdCard } from './id-card.js';
import { planImportInTurns, type ImportPlan, type ImportRow, type StoredWindow } from './identity-plan.js';
import { addDays } from './dates.js';
import type { PolicyStore } from './policies.js';
import { ROWS_PER_TURN, turnsEvery } from './turns.js';

/*
 * Identity imports from civil-affairs and rural-revitalisation lists: all or nothing in
 * one transaction, every row checked first (errors name the row), idempotent by batch
 * id: the same id with the same content answers the stored report, with other content
 * 409. Dates are stored as the department sent them; a pack with
 * identityStartsNextMonth defers them at settlement time (the engine applies it), so one
 * stored history serves every policy version.
 */

const CHUNK = 2_000;
const MAX_ERRORS = 500;

export interface ImportInput {
  batchId: string;
  source: string;
  rows: ImportRow[];
  /** How errors number the rows (CSV: line numbers, see rowsFromCsv); not part of the content hash. */
  rowNumbers?: number[];
}

export interface ImportOptions {
  /** Called after each chunk of inserted rows (the CLI's progress bar). */
  onProgress?: (done: number, total: number) => void;
}

const COLUMNS: Record<string, keyof ImportRow> = {
  id_card: 'idCard', idcard: 'idCard', category: 'category', valid_from: 'validFrom', validfrom: 'validFrom', valid_to: 'validTo', validto: 'validTo',
};

/** About this many characters of CSV are parsed between two turns of the event loop (about 5 ms of parsing). */
const CSV_SLICE = 32 * 1024;

export interface CsvOptions {
  /** More data rows than this: 413 PAYLOAD_TOO_LARGE, found without parsing the rest (the API's cap; the CLI has none). */
  maxRows?: number;
}

/**
 * CSV with a header row (id_card, category, valid_from, valid_to; other columns are
 * ignored), UTF-8, optional BOM. Blank lines are skipped; `rowNumbers` gives each row's
 * number as errors report it: its line in the file minus one (the header line), the last
 * line for a quoted field that spans lines.
 *
 * Parsed a slice at a time, the event loop turning between slices: a list of 200,000
 * rows takes seconds to parse, and settlements must not wait for it (before, a 500,000
 * row upload held every request of the service for about four seconds). Slices are of a
 * fixed length whatever the line breaks (a file with CR-only line ends has no \n at all),
 * one character longer where the cut would split a surrogate pair; the parser takes
 * records across slices.
 */
export async function rowsFromCsv(text: string, opts: CsvOptions = {}): Promise<{ rows: ImportRow[]; rowNumbers: number[] }> {
  const parsed: Array<{ record: Record<string, string>; info: { lines: number } }> = [];
  let tooMany = false;
  let failed: Error | null = null;
  const parser: Parser = parse({
    bom: true, skip_empty_lines: true, trim: true, info: true,
    columns: (header: string[]) => {
      const columns = header.map((h) => own(COLUMNS, h.trim().toLowerCase()) ?? `_${h}`);
      // A column named twice (id_card and idcard are one) leaves no way to tell which is meant.
      const twice = columns.find((c, i) => !c.startsWith('_') && columns.indexOf(c) !== i);
      if (twice !== undefined) throw new Error(`the header names the ${twice} column twice (${header.filter((h) => own(COLUMNS, h.trim().toLowerCase()) === twice).join(', ')})`);
      return columns;
    },
  });
  const done = new Promise<void>((resolve, reject) => {
    parser.on('readable', () => {
      let r: { record: Record<string, string>; info: { lines: number } } | null;
      while ((r = parser.read() as typeof r) !== null) {
        parsed.push(r);
        if (opts.maxRows !== undefined && parsed.length > opts.maxRows) tooMany = true;
      }
    });
    parser.on('error', (e: Error) => {
      failed ??= e;
      reject(e);
    });
    parser.on('end', resolve);
  });
  done.catch(() => {}); // awaited below; a parse error must not surface as an unhandled rejection meanwhile
  try {
    for (let at = 0; at < text.length && !tooMany && failed === null; ) {
      let next = Math.min(at + CSV_SLICE, text.length);
      if (next < text.length && /[\uD800-\uDBFF]/.test(text[next - 1]!)) next++;
      if (!parser.write(text.slice(at, next)) && failed === null) {
        // Backpressure: wait until the parser has taken the slice, or has failed on it.
        await new Promise<void>((resolve) => {
          const go = () => {
            parser.off('drain', go);
            parser.off('error', go);
            resolve();
          };
          parser.on('drain', go);
          parser.on('error', go);
        });
      }
      at = next;
      await yieldToEventLoop();
    }
    if (failed !== null) throw failed;
    if (tooMany) parser.destroy();
    else {
      parser.end();
      await done;
    }
  } catch (e) {
    throw csvRefusal(e);
  }
  if (tooMany) {
    throw tooManyRows(`CSV: more than ${opts.maxRows!.toLocaleString('en-US')} data rows`, opts.maxRows!);
  }
  const records = parsed.map((p) => p.record);
  if (records.length === 0) throw new AppError('MALFORMED_CSV', 'CSV: no data rows', {});
  const missing = ['idCard', 'category', 'validFrom'].filter((c) => !(c in records[0]!));
  if (missing.length > 0) throw new AppError('MALFORMED_CSV', `CSV: missing column(s) ${missing.join(', ')} (header: id_card,category,valid_from,valid_to)`, { missing });
  return {
    rows: records.map((r) => ({ idCard: r.idCard ?? '', category: r.category ?? '', validFrom: r.validFrom ?? '', validTo: r.validTo ? r.validTo : null })),
    rowNumbers: parsed.map((p) => p.info.lines - 1),
  };
}

/** 413 for a list over the API's row cap, CSV or JSON: `what` says how it was found. */
export function tooManyRows(what: string, maxRows: number): AppError {
  return new AppError('PAYLOAD_TOO_LARGE', `${what}; send the list in batches of at most ${maxRows.toLocaleString('en-US')} rows`, { maxRows });
}

/** What csv-parse's error codes mean, said without the field's value. */
const CSV_PROBLEMS: Record<string, string> = {
  INVALID_OPENING_QUOTE: 'a quote opens in the middle of a field',
  INVALID_CLOSING_QUOTE: 'a quoted field has more characters after its closing quote',
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed',
  CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: 'a row has another number of fields than the header',
  CSV_RECORD_INCONSISTENT_COLUMNS: 'a row has another number of fields than the header',
  CSV_INVALID_CLOSING_QUOTE: 'a quoted field has more characters after its closing quote',
};

/**
 * MALFORMED_CSV for a parser error. csv-parse's messages quote the field's value (an
 * ID-card number, a name) and refusals are logged: the answer says what and where (line
 * and column), never the value. Errors of ours (a column named twice) say their own.
 */
function csvRefusal(e: unknown): AppError {
  const err = e as { code?: unknown; lines?: unknown; column?: unknown; message?: unknown };
  if (typeof err.code !== 'string') return new AppError('MALFORMED_CSV', `CSV: ${String(err.message ?? e)}`, {});
  const problem = own(CSV_PROBLEMS, err.code) ?? err.code.toLowerCase().replaceAll('_', ' ');
  const line = typeof err.lines === 'number' ? err.lines : null;
  const column = typeof err.column === 'string' && !err.column.startsWith('_') ? err.column : null;
  return new AppError('MALFORMED_CSV', `CSV: ${problem}${line === null ? '' : ` (line ${line}${column === null ? '' : `, column ${column}`})`}`, { csvError: err.code, line, column });
}

type RawRow = { idCard: string; category: string; validFrom: string; validTo?: string | null };

const normaliseRow = (r: RawRow): ImportRow => ({ idCard: normaliseIdCard(r.idCard), category: r.category.trim(), validFrom: r.validFrom, validTo: r.validTo ?? null });

async function normaliseRows(rows: readonly RawRow[], turn: () => Promise<void>): Promise<ImportRow[]> {
  const out: ImportRow[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_TURN) {
    for (const r of rows.slice(i, i + ROWS_PER_TURN)) out.push(normaliseRow(r));
    await turn();
  }
  return out;
}

/**
 * The import's content hash: SHA-256 of canonicalJson({ source, rows }), the same bytes
 * hashed a slice of rows at a time (stored hashes of earlier imports stay comparable).
 */
export async function importContentHash(source: string, rows: readonly ImportRow[], turn: () => Promise<void>): Promise<string> {
  const hash = createHash('sha256').update('{"rows":[');
  for (let i = 0; i < rows.length; i += ROWS_PER_TURN) {
    hash.update((i > 0 ? ',' : '') + rows.slice(i, i + ROWS_PER_TURN).map(canonicalJson).join(','));
    await turn();
  }
  return hash.update(`],"source":${JSON.stringify(source)}}`).digest('hex');
}

function storedReport(batchId: string, hash: string, stored: { content_hash: string; report: unknown; created_at: Date }): ImportReport {
  if (stored.content_hash !== hash) {
    throw new AppError('IMPORT_BATCH_CONFLICT', `batch ${batchId} was imported before with different content`, { batchId, storedContentHash: stored.content_hash, receivedContentHash: hash });
  }
  return { ...(stored.report as ImportReport), createdAt: new Date(stored.created_at).toISOString(), replayed: true };
}

export async function knownCategories(policies: PolicyStore): Promise<Set<string>> {
  return new Set((await policies.all()).flatMap((p) => p.categories.map((c) => c.code)));
}

export async function importIdentities(db: Db, policies: PolicyStore, by: Actor, input: ImportInput, opts: ImportOptions = {}): Promise<ImportReport> {
  // A list of 200,000 rows takes about a second to check, hash and plan: other requests
  // (settlements) are served between slices of that work.
  const turn = turnsEvery();
  const rows = await normaliseRows(input.rows, turn);
  const hash = await importContentHash(input.source, rows, turn);
  const seen = await findImport(db, input.batchId);
  if (seen) return storedReport(input.batchId, hash, seen);
  const known = await knownCategories(policies);

  return db.transaction().execute(async (trx) => {
    await lockBatch(trx, input.batchId);
    const raced = await findImport(trx, input.batchId);
    if (raced) return storedReport(input.batchId, hash, raced);

    const persons = await lockPersonsByIdCard(trx, [...new Set(rows.map((r) => r.idCard))]);
    const byCard = new Map<string, string[]>();
    for (const p of persons) byCard.set(p.id_card, [...(byCard.get(p.id_card) ?? []), p.id]);
    const stored = await windowsOf(trx, [...new Set(persons.map((p) => p.id))]);
    const plan = await planImportInTurns(turn, rows, known, byCard, stored, input.rowNumbers);
    if (plan.errors.length > 0) {
      throw new AppError('IMPORT_REJECTED', `batch ${input.batchId}: ${plan.errors.length} of ${rows.length} rows refused; nothing was imported`, {
        batchId: input.batchId, rows: rows.length, errorCount: plan.errors.length, errors: plan.errors.slice(0, MAX_ERRORS),
      });
    }
    await closeWindows(trx, plan.closes, input.batchId);
    for (let i = 0; i < plan.inserts.length; i += CHUNK) {
      await insertWindows(trx, plan.inserts.slice(i, i + CHUNK), input.source, input.batchId);
      opts.onProgress?.(Math.min(i + CHUNK, plan.inserts.length), plan.inserts.length);
    }
    const counts = { rows: rows.length, inserted: plan.inserts.length, closed: plan.closes.length, unchanged: plan.unchanged };
    // Settlements already made with the identities as they were: named for review, never changed here.
    const review = await activeSettlementsSince(trx, changedSince(plan, stored), MAX_REVIEW);
    const report = {
      batchId: input.batchId, source: input.source, contentHash: hash, ...counts, createdAt: '',
      settlementsToReview: review.items, settlementsToReviewCount: review.count,
    };
    const createdAt = await insertImport(trx, { batch_id: input.batchId, source: input.source, content_hash: hash, report, key_id: by.keyId });
    report.createdAt = new Date(createdAt).toISOString();
    await insertAudit(trx, auditEntry(by, 'identities.import', 'identity_import', input.batchId, { source: input.source, contentHash: hash, ...counts, settlementsToReview: review.count }));
    return report;
  });
}

/** Settlements an import names for review at most (the count says how many there are). */
const MAX_REVIEW = 1000;

/**
 * Per person, the earliest date from which its identity windows read differently after
 * the plan: a closed window from the day after its new end, a new window from its start.
 */
function changedSince(plan: ImportPlan, stored: readonly StoredWindow[]): Map<string, string> {
  const personOf = new Map(stored.map((w) => [w.id, w.personId]));
  const since = new Map<string, string>();
  const note = (personId: string | undefined, date: string) => {
    if (personId === undefined) throw new Error('a closed identity window belongs to no person read for the import');
    const was = since.get(personId);
    if (was === undefined || date < was) since.set(personId, date);
  };
  for (const c of plan.closes) note(personOf.get(c.id), addDays(c.validTo, 1));
  for (const w of plan.inserts) note(w.personId, w.validFrom);
  return since;
}

export async function getImport(db: Db, batchId: string): Promise<ImportReport> {
  const row = await findImport(db, batchId);
  if (!row) throw new AppError('IMPORT_NOT_FOUND', `identity import ${batchId} does not exist`, { batchId });
  return { ...(row.report as ImportReport), createdAt: new Date(row.created_at).toISOString() };
}
