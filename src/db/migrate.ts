import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FileMigrationProvider, Migrator, type MigrationResult } from 'kysely';
import type { Kysely } from 'kysely';
import { PROJECT_ROOT } from '../config.js';

export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'migrations');

export function migrator(db: Kysely<any>): Migrator {
  return new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder: MIGRATIONS_DIR }) });
}

/** Runs every pending migration (forward-only); throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResult[]> {
  const { error, results } = await migrator(db).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const why = error instanceof Error ? error.message || (error as NodeJS.ErrnoException).code || error.name : String(error);
    // No migration named: none ran (the database could not be reached, the lock not taken).
    throw new Error(failed ? `migration ${failed} failed: ${why}` : `migrations could not run: ${why}`, { cause: error });
  }
  return results ?? [];
}

/** Names of migrations on disk that the database has not run (empty = current). */
export async function pendingMigrations(db: Kysely<any>): Promise<string[]> {
  const all = await migrator(db).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
