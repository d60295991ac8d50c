// Who a CLI command acts for.
import { userInfo } from 'node:os';
import type { ZincConfig } from '../config/index.js';

/** Who is asking: --as, else the configured user (ZINC_USER), else the login name. */
export function actor(opts: { as?: string }, config: ZincConfig): string {
  return opts.as ?? config.cli.user ?? userInfo().username;
}
