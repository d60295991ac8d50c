// The demo assignment's test data: a reference solution (BigInt, so it is exact whatever a C++
// program gets wrong) and the visible and hidden test inputs, built from a fixed seed.
import { seededRandom } from './random.js';
import type { SeededRandom } from './random.js';

/** One test of the demo assignment: what goes to stdin and what must come out. */
export interface DemoTest {
  id: number;
  /** What the test checks, shown in the config as a comment. */
  title: string;
  stdin: string;
  expected: string;
}

interface Fraction {
  num: bigint;
  den: bigint;
}

const abs = (n: bigint): bigint => (n < 0n ? -n : n);

function gcd(a: bigint, b: bigint): bigint {
  let [x, y] = [abs(a), abs(b)];
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

function parseOperand(text: string): Fraction {
  const match = /^(-?\d+)(?:\/(\d+))?$/.exec(text);
  if (!match) throw new RangeError(`"${text}" is not a fraction p/q or an integer`);
  return { num: BigInt(match[1]!), den: BigInt(match[2] ?? '1') };
}

function format(value: Fraction): string {
  const sign = value.den < 0n ? -1n : 1n;
  const g = gcd(value.num, value.den);
  const num = (sign * value.num) / g;
  const den = (sign * value.den) / g;
  return den === 1n ? `${num}` : `${num}/${den}`;
}

/** The right answer to one line `X op Y`: the reduced result (`p/q`, or `p` when whole), or
 * `undefined` for a division by zero. */
export function solveLine(line: string): string {
  const [left, op, right, ...rest] = line.trim().split(/\s+/);
  if (left === undefined || op === undefined || right === undefined || rest.length > 0) {
    throw new RangeError(`"${line}" is not of the form "X op Y"`);
  }
  const x = parseOperand(left);
  const y = parseOperand(right);
  switch (op) {
    case '+':
      return format({ num: x.num * y.den + y.num * x.den, den: x.den * y.den });
    case '-':
      return format({ num: x.num * y.den - y.num * x.den, den: x.den * y.den });
    case '*':
      return format({ num: x.num * y.num, den: x.den * y.den });
    case '/':
      return y.num === 0n ? 'undefined' : format({ num: x.num * y.den, den: x.den * y.num });
    default:
      throw new RangeError(`"${op}" in "${line}" is not one of + - * /`);
  }
}

/** The expected output of a whole input: one answer per line. */
export function solveInput(stdin: string): string {
  return stdin
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => `${solveLine(line)}\n`)
    .join('');
}

function test(id: number, title: string, lines: readonly string[]): DemoTest {
  const stdin = lines.map((line) => `${line}\n`).join('');
  return { id, title, stdin, expected: solveInput(stdin) };
}

// The visible tests each exercise one class of input, so a student sees which class they miss.
// Integer operands never end an input: a classic `while (!cin.eof())` reader floods on them
// only when more input follows (see programs.ts).
const VISIBLE_LINES: Array<[string, string[]]> = [
  ['fractions', ['1/2 + 1/3', '3/4 - 1/4', '2/3 * 3/5', '1/2 / 3/4', '5/6 - 1/3']],
  ['negative numbers and zero', ['-1/2 + 1/3', '1/2 - 1/2', '-3/4 * -2/3', '0/5 + 2/7']],
  ['whole numbers', ['3 + 1/2', '2/3 * 6', '7 / 2', '4/2 + 1', '-2 - 1/3', '1/3 + 1/6']],
  [
    'large values',
    [
      '123456789/987654321 + 987654321/123456789',
      '-1000000000/999999999 * 999999998/1000000000',
      '500000000/1000000007 - 500000000/1000000009',
      '999999999/2 / 3/999999999',
    ],
  ],
];

/** The tests students see (inline in the config). */
export const VISIBLE_TESTS: readonly DemoTest[] = VISIBLE_LINES.map(([title, lines], i) =>
  test(i + 1, title, lines),
);

const OPS = ['+', '-', '*', '/'] as const;

function smallFraction(random: SeededRandom): string {
  const num = random.int(-20, 20);
  return `${num === 0 ? 1 : num}/${random.int(1, 20)}`;
}

function smallOperand(random: SeededRandom): string {
  const roll = random.next();
  if (roll < 0.7) return smallFraction(random);
  if (roll < 0.9) return `${random.int(-9, 9)}`;
  return random.chance(0.5) ? '0' : `0/${random.int(1, 9)}`;
}

function mixedLine(random: SeededRandom): string {
  return `${smallOperand(random)} ${random.pick(OPS)} ${smallOperand(random)}`;
}

function bigOperand(random: SeededRandom): string {
  return `${random.int(-1_000_000_000, 1_000_000_000)}/${random.int(1, 1_000_000_000)}`;
}

function bigLine(random: SeededRandom): string {
  return `${bigOperand(random)} ${random.pick(OPS)} ${bigOperand(random)}`;
}

function divisionLine(random: SeededRandom): string {
  const roll = random.next();
  const right =
    roll < 0.2
      ? '0'
      : roll < 0.6
        ? `-${random.int(1, 20)}/${random.int(1, 20)}`
        : smallFraction(random);
  return `${smallFraction(random)} / ${right}`;
}

/** `count` random lines, ending with a plain fraction line (see VISIBLE_LINES). */
function lines(random: SeededRandom, count: number, line: (r: SeededRandom) => string): string[] {
  const out = Array.from({ length: count - 1 }, () => line(random));
  out.push(`${smallFraction(random)} + ${smallFraction(random)}`);
  return out;
}

/** A hidden test kept as two asset files. */
export interface HiddenDemoTest extends DemoTest {
  stdinFile: string;
  expectedFile: string;
}

function hidden(id: number, name: string, title: string, input: string[]): HiddenDemoTest {
  return {
    ...test(id, title, input),
    stdinFile: `tests/${name}.in`,
    expectedFile: `tests/${name}.out`,
  };
}

/** The hidden tests (asset files), the same on every run: their seed is fixed. */
export const HIDDEN_TESTS: readonly HiddenDemoTest[] = (() => {
  const random = seededRandom(20_260_901);
  const mixed = lines(random, 40, mixedLine);
  // Every class at least once, away from the end.
  mixed.splice(5, 0, '1/3 - 2/6', '3 * 1/4', '5/8 / -5/4', '2/9 / 0');
  return [
    hidden(5, 'mixed', 'every kind of input', mixed),
    hidden(6, 'division', 'division by negatives and by zero', lines(random, 30, divisionLine)),
    hidden(7, 'many', 'two thousand lines', lines(random, 2000, mixedLine)),
    hidden(8, 'big', 'values up to a billion', lines(random, 60, bigLine)),
  ];
})();
