// The demo's 60 students and their deliveries: most hand in a correct or partly correct
// solution, a handful hit each failure, and some improve over two or three deliveries.
import { HEADER_FILE, RATIONAL_HEADER, TEMPLATE_FILE } from './header.js';
import { DELIVERY_KINDS, variantsOf } from './programs.js';
import type { DeliveryKind, ProgramVariant } from './programs.js';
import { seededRandom } from './random.js';
import type { SeededRandom } from './random.js';

export { DELIVERY_KINDS, type DeliveryKind } from './programs.js';

/** The collection's submission window; every demo delivery falls strictly inside it. */
export const DEMO_WINDOW = {
  start: '2026-09-01T00:00:00Z',
  stop: '2026-09-15T16:00:00Z',
} as const;

/** The seed demoDeliveries uses when given none. */
export const DEFAULT_DEMO_SEED = 2026;

/** One delivery of one demo student. */
export interface DemoDelivery {
  /** `2026` and four digits; the same students for every seed. */
  studentId: string;
  /** ISO 8601 in UTC, whole seconds, inside DEMO_WINDOW. */
  submittedAt: string;
  files: Array<{ path: string; content: string }>;
  /** What grading this delivery should show. */
  intended: DeliveryKind;
  /** The program it holds (see PROGRAM_VARIANTS), e.g. `crash/strchr-null`. */
  variant: string;
}

/** How many students end on each kind: the latest deliveries, which batch grading takes. */
export const LATEST_KIND_COUNTS: Readonly<Record<DeliveryKind, number>> = {
  correct: 18,
  partial: 14,
  wrong_output: 6,
  compile_error: 4,
  time_limit: 4,
  crash: 4,
  memory_limit: 3,
  output_flood: 3,
  missing_file: 4,
};

/** What a student may have handed in before their latest delivery. */
const EARLIER_KINDS: Readonly<Record<DeliveryKind, readonly DeliveryKind[]>> = {
  correct: ['compile_error', 'partial', 'wrong_output', 'crash', 'time_limit', 'missing_file'],
  partial: ['compile_error', 'wrong_output', 'crash', 'output_flood'],
  wrong_output: ['compile_error', 'wrong_output'],
  compile_error: ['compile_error', 'wrong_output'],
  time_limit: ['compile_error', 'wrong_output'],
  crash: ['compile_error', 'wrong_output'],
  memory_limit: ['compile_error'],
  output_flood: ['compile_error', 'wrong_output'],
  // The last upload renamed the file: the latest delivery is graded even when worse.
  missing_file: ['correct', 'compile_error'],
};

/** The demo's student IDs, sorted; fixed so that every demo shows the same class list. */
export const DEMO_STUDENT_IDS: readonly string[] = (() => {
  const random = seededRandom(20_260_000);
  const ids = new Set<string>();
  const count = Object.values(LATEST_KIND_COUNTS).reduce((a, b) => a + b, 0);
  while (ids.size < count) ids.add(`2026${String(random.int(0, 9999)).padStart(4, '0')}`);
  return [...ids].sort();
})();

const NOTES = `Notes for the TA
I tested with the examples from the handout.
`;

const startMs = Date.parse(DEMO_WINDOW.start);
const stopMs = Date.parse(DEMO_WINDOW.stop);

/** `count` distinct whole-second times inside the window, oldest first. */
function deliveryTimes(random: SeededRandom, count: number): string[] {
  const earliest = startMs / 1000 + 6 * 3600;
  const latest = stopMs / 1000 - 60;
  const seconds = new Set<number>();
  while (seconds.size < count) seconds.add(random.int(earliest, latest));
  return [...seconds]
    .sort((a, b) => a - b)
    .map((s) => new Date(s * 1000).toISOString().replace('.000Z', 'Z'));
}

function files(random: SeededRandom, program: ProgramVariant, studentId: string) {
  const out = [{ path: program.path, content: program.source(studentId) }];
  // Extra files are ignored for grading: notes, or the provided header handed back.
  if (random.chance(0.15)) out.push({ path: 'README.txt', content: NOTES });
  if (random.chance(0.1) && program.path === TEMPLATE_FILE) {
    out.push({ path: HEADER_FILE, content: RATIONAL_HEADER });
  }
  return out;
}

/** Every demo delivery, by student then time; the same list for the same seed. */
export function demoDeliveries(seed: number = DEFAULT_DEMO_SEED): DemoDelivery[] {
  const random = seededRandom(seed);
  const kinds = random.shuffle(
    DELIVERY_KINDS.flatMap((kind) => Array<DeliveryKind>(LATEST_KIND_COUNTS[kind]).fill(kind)),
  );
  // Variants of a kind go round in turn, so each shows up once its kind has enough students.
  const turn = new Map<DeliveryKind, number>(
    DELIVERY_KINDS.map((kind) => [kind, random.int(0, 9)]),
  );
  const deliveries: DemoDelivery[] = [];
  DEMO_STUDENT_IDS.forEach((studentId, i) => {
    const latestKind = kinds[i]!;
    const options = variantsOf(latestKind);
    const n = turn.get(latestKind)!;
    turn.set(latestKind, n + 1);
    const latest = options[n % options.length]!;

    const roll = random.next();
    const count = roll < 0.4 ? 1 : roll < 0.75 ? 2 : 3;
    const programs: ProgramVariant[] = [];
    for (let k = 1; k < count; k++) {
      programs.push(random.pick(variantsOf(random.pick(EARLIER_KINDS[latestKind]))));
    }
    programs.push(latest);

    const times = deliveryTimes(random, count);
    programs.forEach((program, k) => {
      deliveries.push({
        studentId,
        submittedAt: times[k]!,
        files: files(random, program, studentId),
        intended: program.kind,
        variant: program.name,
      });
    });
  });
  return deliveries;
}

/** Each student's latest delivery (the one batch grading takes), by student. */
export function latestDemoDeliveries(deliveries: readonly DemoDelivery[]): DemoDelivery[] {
  const latest = new Map<string, DemoDelivery>();
  for (const delivery of deliveries) {
    const seen = latest.get(delivery.studentId);
    if (seen === undefined || seen.submittedAt < delivery.submittedAt) {
      latest.set(delivery.studentId, delivery);
    }
  }
  return [...latest.values()].sort((a, b) => a.studentId.localeCompare(b.studentId));
}
