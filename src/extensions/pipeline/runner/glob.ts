// Globs as grading configs write them: `*.cpp` (compile inputs), `__MACOSX`, `*.o`
// (ignore_in_submission). Small on purpose: `*`, `?`, `**`, `[...]` and `{a,b}`.

/** A compiled glob: matches a whole `/`-separated relative path. */
export function globToRegExp(pattern: string): RegExp {
  let out = '';
  let i = 0;
  let braces = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        // `**/` is zero or more folders; a trailing or lone `**` is anything.
        if (pattern[i + 2] === '/') {
          out += '(?:[^/]*/)*';
          i += 3;
        } else {
          out += '.*';
          i += 2;
        }
        continue;
      }
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) {
        out += '\\[';
      } else {
        let body = pattern.slice(i + 1, end);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        out += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '{') {
      braces += 1;
      out += '(?:';
    } else if (c === '}' && braces > 0) {
      braces -= 1;
      out += ')';
    } else if (c === ',' && braces > 0) {
      out += '|';
    } else {
      out += c.replace(/[.+^$|()\\{}]/g, '\\$&');
    }
    i += 1;
  }
  if (braces > 0) return new RegExp(`^${escapeAll(pattern)}$`); // unbalanced: match literally
  return new RegExp(`^${out}$`);
}

function escapeAll(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether `path` matches `pattern` as a shell would in the work dir (`*` stays in one folder). */
export function matchesGlob(path: string, pattern: string): boolean {
  return globToRegExp(stripDotSlash(pattern)).test(path);
}

/**
 * Whether `path` is ignored by any of `patterns`, the way .gitignore reads them: a pattern
 * without `/` matches a file or folder name at any depth, and a matched folder ignores all
 * below it (`__MACOSX` ignores `__MACOSX/._a.cpp`).
 */
export function ignoredBy(path: string, patterns: readonly string[]): boolean {
  const parts = path.split('/');
  return patterns.some((raw) => {
    const pattern = stripDotSlash(raw).replace(/\/$/, '');
    const regex = globToRegExp(pattern);
    if (!pattern.includes('/')) return parts.some((part) => regex.test(part));
    for (let n = 1; n <= parts.length; n++) {
      if (regex.test(parts.slice(0, n).join('/'))) return true;
    }
    return false;
  });
}

function stripDotSlash(pattern: string): string {
  let rest = pattern;
  while (rest.startsWith('./')) rest = rest.slice(2);
  return rest;
}
