// Plain aligned tables for the terminal.

/** Prints rows under headers, columns padded to their widest cell. */
export function printTable(
  headers: string[],
  rows: string[][],
  out: NodeJS.WritableStream = process.stdout,
): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  out.write(`${[line(headers), ...rows.map(line)].join('\n')}\n`);
}
