/**
 * Builds a fully qualified task-queue name, `{prefix}-{suffix}` (RFD 0010's FormatTaskQueue);
 * an empty suffix gives the prefix alone.
 */
export function formatTaskQueue(prefix: string, suffix: string): string {
  if (suffix === '') return prefix;
  return `${prefix}-${suffix}`;
}
