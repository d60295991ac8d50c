// Requests refused before zinc knows who sent them (no token, a bad one, or the address limit):
// every one is counted (zinc_api_unauthenticated_requests_total on /metrics), but only a sample
// becomes audit rows, so a flood cannot grow the audit log without bound: at most
// `per_address_per_minute` rows per client address and `per_minute` rows in all, per minute and
// API process. Each kept row says how many such requests its address had sent that minute.
import { Counter } from 'prom-client';
import type { ApiConfig } from './config.js';

/** Every request refused for want of a valid token, by status (401, or 429 before the token). */
export const unauthenticatedRequests = new Counter({
  name: 'zinc_api_unauthenticated_requests_total',
  help: 'API requests refused before a valid token was known (401, or 429 by the address limit)',
  labelNames: ['status'] as const,
});

/** Addresses remembered per minute; past it, new addresses share only the overall sample. */
const MAX_ADDRESSES = 10_000;

/** Whether a refused request gets its audit row; `seen`: its address's count this minute. */
export interface SampleDecision {
  keep: boolean;
  seen: number;
}

/** The audit sample of refused unauthenticated requests (one per API server). */
export function createAuditSampler(
  limits: ApiConfig['audit_unauthenticated'],
  now: () => number = Date.now,
) {
  let minute = -1;
  let kept = 0;
  const perAddress = new Map<string, number>();
  return {
    /** Counts a refused request from `address` and says whether to audit it. */
    admit(address: string): SampleDecision {
      const current = Math.floor(now() / 60_000);
      if (current !== minute) {
        minute = current;
        kept = 0;
        perAddress.clear();
      }
      const seen = (perAddress.get(address) ?? 0) + 1;
      if (perAddress.has(address) || perAddress.size < MAX_ADDRESSES) {
        perAddress.set(address, seen);
      }
      const keep = seen <= limits.per_address_per_minute && kept < limits.per_minute;
      if (keep) kept += 1;
      return { keep, seen };
    },
  };
}

export type AuditSampler = ReturnType<typeof createAuditSampler>;
