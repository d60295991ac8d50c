// Benchmark: page through the latest deliveries of a 100,000-delivery collection (20,000
// students) with latestDeliveriesPage, on PGlite (in a folder) and on a real PostgreSQL.
// Run: node --import tsx bench/latest-deliveries.ts [deliveries] [students]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Database } from '../src/platform/database.js';
import { openPgliteDatabase } from '../src/platform/pglite-database.js';
import { openPostgresDatabase } from '../src/platform/postgres-database.js';
import { migrateSubmissionSchema } from '../src/extensions/submission/schema.js';
import { latestDeliveriesPageSql } from '../src/extensions/submission/latest-deliveries.js';
import { createSubmissionStore } from '../src/extensions/submission/store.js';
import { startPostgres } from '../test/helpers/postgres.js';

const DELIVERIES = Number(process.argv[2] ?? 100_000);
const STUDENTS = Number(process.argv[3] ?? 20_000);
const PAGE_SIZE = 1000;

interface Walk {
  pages: number;
  students: number;
  medianMs: number;
  p95Ms: number;
  totalMs: number;
  plan: string;
}

interface Figures {
  engine: string;
  seedMs: number;
  /** Right after the import, before the table has statistics (PGlite never gathers them). */
  fresh: Walk;
  /** After ANALYZE. */
  analyzed: Walk;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** Seeds users and deliveries with generate_series (one INSERT each); returns the collection. */
async function seed(db: Database): Promise<string> {
  await migrateSubmissionSchema(db);
  const store = createSubmissionStore(db);
  const course = await store.ensureCourse({ code: 'BENCH1000' });
  const activity = await store.ensureActivity(course.id, 'assignment 1');
  const collection = await store.ensureCollection(
    activity.id,
    'main',
    '2025-09-01T00:00:00Z',
    '2025-12-01T00:00:00Z',
  );
  await db.query(
    `INSERT INTO users (id) SELECT 'u' || lpad(g::text, 7, '0') FROM generate_series(1, $1) g`,
    [STUDENTS],
  );
  // No ANALYZE afterwards: the first walk sees the table as an import leaves it.
  // Each student gets DELIVERIES / STUDENTS deliveries at different times; about one in a
  // thousand is a staff test delivery, one in 17 is late.
  await db.query(
    `INSERT INTO deliveries (id, collection_id, user_id, submitted_at, manifest, total_size,
                             sha256, late, is_test, object_key)
     SELECT 'dlv_bench' || lpad(g::text, 8, '0'), $1,
            'u' || lpad((1 + (g::bigint * 7919) % $2)::text, 7, '0'),
            $3::timestamptz + make_interval(secs => g),
            jsonb_build_array(jsonb_build_object('path', 'main.c', 'size', 100 + g % 1000,
                                                 'sha256', md5(g::text) || md5((-g)::text))),
            100 + g % 1000, md5(g::text) || md5((-g)::text), g % 17 = 0, g % 997 = 0,
            'deliveries/bench/' || g
       FROM generate_series(1, $4) g`,
    [collection.id, STUDENTS, '2025-09-01T00:00:00Z', DELIVERIES],
  );
  return collection.id;
}

/** Pages through the whole collection, checking order, and times each page. */
async function walk(db: Database, collectionId: string): Promise<Walk> {
  const store = createSubmissionStore(db);
  const times: number[] = [];
  let cursor: string | undefined;
  let students = 0;
  let previous = '';
  const start = performance.now();
  for (;;) {
    const t0 = performance.now();
    const page = await store.latestDeliveriesPage(collectionId, {
      after: cursor,
      limit: PAGE_SIZE,
    });
    times.push(performance.now() - t0);
    if (!page) throw new Error(`collection ${collectionId} vanished`);
    for (const d of page.deliveries) {
      if (d.userId <= previous) throw new Error(`out of order: ${d.userId} after ${previous}`);
      previous = d.userId;
    }
    students += page.deliveries.length;
    if (page.nextCursor === null) break;
    cursor = page.nextCursor;
  }
  const totalMs = performance.now() - start;

  const { rows } = await db.query<Record<string, string>>(
    `EXPLAIN ${latestDeliveriesPageSql(false)}`,
    [collectionId, 'u0010000', PAGE_SIZE + 1],
  );
  const plan = rows
    .map((r) => Object.values(r)[0] ?? '')
    .filter((line) => /Scan|Sort/.test(line))
    .map((line) =>
      line
        .trim()
        .replace(/^->\s*/, '')
        .replace(/\s+\(cost=.*$/, ''),
    )
    .join(' / ');
  const sorted = [...times].sort((a, b) => a - b);
  return {
    pages: times.length,
    students,
    medianMs: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    totalMs,
    plan,
  };
}

async function run(engine: string, db: Database): Promise<Figures> {
  const seedStart = performance.now();
  const collectionId = await seed(db);
  const seedMs = performance.now() - seedStart;
  const fresh = await walk(db, collectionId);
  await db.query('ANALYZE');
  const analyzed = await walk(db, collectionId);
  return { engine, seedMs, fresh, analyzed };
}

function print(f: Figures): void {
  console.log(`${f.engine}: seed (migrate + insert) ${(f.seedMs / 1000).toFixed(2)} s`);
  for (const [label, w] of [
    ['fresh', f.fresh],
    ['analyzed', f.analyzed],
  ] as const) {
    console.log(
      `  ${label.padEnd(9)} ${w.pages} pages, ${w.students} students | ` +
        `page median ${w.medianMs.toFixed(1)} ms, p95 ${w.p95Ms.toFixed(1)} ms | ` +
        `total ${(w.totalMs / 1000).toFixed(2)} s`,
    );
  }
  console.log(`  plan: ${f.analyzed.plan}`);
}

async function main(): Promise<void> {
  console.log(
    `latest deliveries: ${DELIVERIES} deliveries of ${STUDENTS} students in one collection, ` +
      `pages of ${PAGE_SIZE}`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'zinc-bench-'));
  let pglite: Figures;
  try {
    const db = await openPgliteDatabase(join(dir, 'db'));
    try {
      pglite = await run('PGlite', db);
    } finally {
      await db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  print(pglite);

  const server = await startPostgres();
  let postgres: Figures;
  try {
    const db = await openPostgresDatabase(server.url);
    try {
      postgres = await run('PostgreSQL', db);
    } finally {
      await db.close();
    }
  } finally {
    await server.stop();
  }
  print(postgres);

  const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : 'n/a');
  for (const key of ['fresh', 'analyzed'] as const) {
    const [a, b] = [pglite[key], postgres[key]];
    console.log(
      `PGlite/PostgreSQL (${key}): seed ${ratio(pglite.seedMs, postgres.seedMs)}x, ` +
        `page median ${ratio(a.medianMs, b.medianMs)}x, p95 ${ratio(a.p95Ms, b.p95Ms)}x, ` +
        `total ${ratio(a.totalMs, b.totalMs)}x`,
    );
  }
}

await main();
