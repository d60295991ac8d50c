// Test helper: the `zinc` command lines the README and docs/ show, read from their Markdown: the
// usage lines of a command table (a table whose first header cell is "command"), and the lines of
// code blocks that run zinc (`npx zinc ...`, `zinc ...`, `$ zinc ...`).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './temporal.js';

/** README.md and every docs/*.md, as paths relative to the checkout. */
export function docFiles(): string[] {
  const docs = readdirSync(join(repoRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

function read(file: string): string[] {
  return readFileSync(join(repoRoot, file), 'utf8').split('\n');
}

/** A command line shown in a document, and where. */
export interface DocLine {
  file: string;
  line: number;
  text: string;
}

/** Splits a Markdown table row into its cells (a `\|` stays inside its cell, as a `|`). */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

/**
 * The usage lines of `file`'s command tables: each code span starting with `zinc` in the first
 * column of a table whose first header cell is "command", with `[...]`, `a|b` and `<...>` in it.
 */
export function tableUsages(file: string): DocLine[] {
  const lines = read(file);
  const found: DocLine[] = [];
  let inCommandTable = false;
  lines.forEach((row, i) => {
    if (!row.trim().startsWith('|')) {
      inCommandTable = false;
      return;
    }
    const first = cells(row)[0] ?? '';
    if (/^-+$/.test(first)) return; // the separator row
    if (!inCommandTable) {
      // a header row: is it a command table?
      const previous = lines[i - 1]?.trim() ?? '';
      if (!previous.startsWith('|')) inCommandTable = first.toLowerCase() === 'command';
      return;
    }
    for (const span of first.matchAll(/`([^`]+)`/g)) {
      if (/^zinc(\s|$)/.test(span[1]!)) found.push({ file, line: i + 1, text: span[1]! });
    }
  });
  return found;
}

/**
 * The lines of `file`'s code blocks that run zinc, without `npx`, `$ `, comments or redirects. In
 * a block that shows a session (some lines start with `$ `), only those lines are commands.
 */
export function codeBlockCommands(file: string): DocLine[] {
  const found: DocLine[] = [];
  let block: Array<{ line: number; raw: string }> | undefined;
  read(file).forEach((raw, i) => {
    if (!/^\s*```/.test(raw)) {
      block?.push({ line: i + 1, raw });
      return;
    }
    if (block === undefined) {
      block = [];
      return;
    }
    const session = block.some(({ raw }) => /^\s*\$ /.test(raw));
    for (const { line, raw } of block) {
      const match = (
        session ? /^\s*\$ (?:npx )?(zinc(?:\s.*)?)$/ : /^\s*(?:npx )?(zinc(?:\s.*)?)$/
      ).exec(raw);
      if (match) found.push({ file, line, text: match[1]! });
    }
    block = undefined;
  });
  return found;
}

/**
 * A shell line's words, as sh reads them for the simple lines the docs show: single and double
 * quotes, a comment from an unquoted `#` after a space, and an output redirect (`> file`) dropped.
 */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else word = (word ?? '') + c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === '#' && word === undefined) {
      break;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (quote) throw new Error(`unclosed quote in: ${line}`);
  if (word !== undefined) words.push(word);
  const redirect = words.findIndex((w) => w === '>' || w === '>>');
  return redirect === -1 ? words : words.slice(0, redirect);
}

/** Splits a usage line into top-level items: words, and `[...]` groups (which may hold spaces). */
function usageItems(usage: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let item = '';
  for (const c of usage) {
    if (c === '[') depth++;
    if (c === ']') depth--;
    if (depth < 0) throw new Error(`unbalanced ] in: ${usage}`);
    if (/\s/.test(c) && depth === 0) {
      if (item) items.push(item);
      item = '';
    } else {
      item += c;
    }
  }
  if (depth !== 0) throw new Error(`unbalanced [ in: ${usage}`);
  if (item) items.push(item);
  return items;
}

/**
 * The command lines a usage line stands for, as word lists that still hold its `<...>`
 * placeholders: every optional `[...]` group is included, and each choice `a|b` gives its own
 * line (`zinc batch pause|resume|cancel <batchId>` is three lines).
 */
export function expandUsage(usage: string): string[][] {
  let lines: string[][] = [[]];
  for (const item of usageItems(usage)) {
    const inner = item.startsWith('[') && item.endsWith(']') ? item.slice(1, -1) : undefined;
    const alternatives: string[][] =
      inner !== undefined
        ? expandUsage(inner)
        : !item.startsWith('<') && item.includes('|')
          ? item.split('|').map((choice) => [choice])
          : [[item]];
    lines = lines.flatMap((line) => alternatives.map((alt) => [...line, ...alt]));
  }
  return lines;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of `file`'s headings (outside code blocks). */
export function anchors(file: string): Set<string> {
  const found = new Set<string>();
  let inCode = false;
  for (const line of read(file)) {
    if (/^\s*```/.test(line)) inCode = !inCode;
    const heading = inCode ? undefined : /^#{1,6}\s+(.*)$/.exec(line)?.[1];
    if (heading !== undefined) found.add(headingAnchor(heading));
  }
  return found;
}

/** The relative links of `file` (`[text](target)`, not http: or mailto:), and where. */
export function relativeLinks(file: string): DocLine[] {
  const found: DocLine[] = [];
  let inCode = false;
  read(file).forEach((line, i) => {
    if (/^\s*```/.test(line)) inCode = !inCode;
    if (inCode) return;
    for (const match of line.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (!/^[a-z]+:/.test(match[1]!)) found.push({ file, line: i + 1, text: match[1]! });
    }
  });
  return found;
}
