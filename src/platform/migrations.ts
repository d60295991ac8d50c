// Versioned SQL migrations: each component keeps `NNNN_name.sql` files in a folder, applied in
// order, each in its own transaction, and recorded in `schema_migrations`.
import { DatabaseUnavailableError, MigrationChecksumError, MigrationError } from '../failures.js';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database, Queryable } from './database.js';

export interface MigrationFile {
  version: number;
  /** The file name, e.g. `0001_submission.sql`. */
  file: string;
  path: string;
  sql: string;
  /** sha256 (hex) of the text with line endings normalised to LF. */
  checksum: string;
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

const FILE_PATTERN = /^(\d{4})_([a-z0-9][a-z0-9_]*)\.sql$/;

// One advisory lock for every migrator of every component (keys: 'zinc' in ASCII, 1 for
// migrations): two processes starting together on one PostgreSQL take turns instead of both
// applying the same file. Held until the transaction ends.
const MIGRATION_LOCK = 'SELECT pg_advisory_xact_lock(2053729891, 1)';

const CREATE_TABLE = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  component  text        NOT NULL,
  version    integer     NOT NULL,
  name       text        NOT NULL,
  checksum   text        NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (component, version)
)`;

/** Reads and orders the migration files of `dir`; files not ending in `.sql` are ignored. */
export function readMigrations(dir: string): MigrationFile[] {
  if (!existsSync(dir)) {
    throw new MigrationError(
      `migrations folder ${dir} does not exist (a compiled build needs its .sql files copied: ` +
        'node scripts/copy-sql.mjs)',
    );
  }
  const files: MigrationFile[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.sql')) continue;
    const match = FILE_PATTERN.exec(file);
    if (!match) {
      throw new MigrationError(
        `migration file ${join(dir, file)} is badly named: expected NNNN_name.sql ` +
          '(four digits, underscore, lowercase letters, digits and underscores)',
      );
    }
    const version = Number(match[1]);
    const clash = files.find((f) => f.version === version);
    if (clash) {
      throw new MigrationError(
        `migration files ${clash.file} and ${file} in ${dir} have the same version ${match[1]}`,
      );
    }
    const path = join(dir, file);
    const sql = readFileSync(path, 'utf8').replace(/\r\n/g, '\n');
    files.push({ version, file, path, sql, checksum: sha256(sql) });
  }
  return files;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function checkUnchanged(file: MigrationFile, row: AppliedRow, component: string): void {
  if (row.checksum !== file.checksum || row.name !== file.file) {
    throw new MigrationChecksumError(
      `migration ${file.file} of component ${component} (${file.path}) differs from the one ` +
        `applied as version ${row.version} (${row.name}, sha256 ${row.checksum.slice(0, 12)}..., ` +
        `file now ${file.checksum.slice(0, 12)}...): an applied migration must never change; ` +
        'add a new migration file instead',
    );
  }
}

async function appliedRows(tx: Queryable, component: string): Promise<Map<number, AppliedRow>> {
  const { rows } = await tx.query<AppliedRow>(
    'SELECT version, name, checksum FROM schema_migrations WHERE component = $1',
    [component],
  );
  return new Map(rows.map((row) => [row.version, row]));
}

/**
 * Applies the migrations in `dir` that `component` has not applied yet, in version order, each
 * in its own transaction; applying twice does nothing. Throws MigrationChecksumError when an
 * applied file was changed. Files must not hold BEGIN/COMMIT: each already runs in a transaction.
 * Versions recorded in the database but absent from `dir` (a newer build ran) are left alone.
 */
export async function migrate(
  db: Database,
  component: string,
  dir: string,
): Promise<{ applied: string[] }> {
  const files = readMigrations(dir);
  const upToDate = await db.transaction(async (tx) => {
    await tx.query(MIGRATION_LOCK);
    await tx.query(CREATE_TABLE);
    const applied = await appliedRows(tx, component);
    for (const file of files) {
      const row = applied.get(file.version);
      if (row) checkUnchanged(file, row, component);
    }
    return files.every((file) => applied.has(file.version));
  });
  // The usual case once any process has migrated: no file to apply, no further round trip.
  if (upToDate) return { applied: [] };

  const appliedNow: string[] = [];
  for (const file of files) {
    const didApply = await db.transaction(async (tx) => {
      await tx.query(MIGRATION_LOCK);
      // Another process may have applied it while this one waited for the lock.
      const row = (await appliedRows(tx, component)).get(file.version);
      if (row) {
        checkUnchanged(file, row, component);
        return false;
      }
      try {
        await tx.query(file.sql);
      } catch (err) {
        if (err instanceof DatabaseUnavailableError) throw err;
        throw new MigrationError(
          `migration ${file.file} of component ${component} failed: ${(err as Error).message}`,
          { cause: err },
        );
      }
      await tx.query(
        'INSERT INTO schema_migrations (component, version, name, checksum) VALUES ($1, $2, $3, $4)',
        [component, file.version, file.file, file.checksum],
      );
      return true;
    });
    if (didApply) appliedNow.push(file.file);
  }
  return { applied: appliedNow };
}
