// Copies the SQL migration files (src/**/migrations/*.sql) into dist/ beside the compiled
// modules that read them: tsc emits only JavaScript. Run after tsc (npm run build).
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');

/** Every .sql file in a `migrations` folder under `dir`. */
function findSql(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findSql(path));
    else if (entry.name.endsWith('.sql') && basename(dir) === 'migrations') {
      found.push(path);
    }
  }
  return found;
}

if (!existsSync(dist)) {
  console.error(`copy-sql: ${relative(root, dist)}/ does not exist; run tsc first`);
  process.exit(1);
}
const files = findSql(src);
for (const file of files) {
  const target = join(dist, relative(src, file));
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(file, target);
}
console.log(`copy-sql: copied ${files.length} migration file(s) into ${relative(root, dist)}/`);
