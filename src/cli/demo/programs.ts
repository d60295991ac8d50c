// The C++ programs the demo students hand in. Each is the same small solution with one part
// swapped for a mistake real students make, so every verdict comes from a believable bug:
// an int that overflows, a gcd by subtraction that never ends on 0, a strchr that returns null...
import { HEADER_FILE, TEMPLATE_FILE } from './header.js';

/** What a delivery is meant to show once graded (the latest delivery of a student counts). */
export type DeliveryKind =
  | 'correct'
  | 'partial'
  | 'wrong_output'
  | 'compile_error'
  | 'time_limit'
  | 'crash'
  | 'memory_limit'
  | 'output_flood'
  | 'missing_file';

/** Every kind, in the order reports list them. */
export const DELIVERY_KINDS: readonly DeliveryKind[] = [
  'correct',
  'partial',
  'wrong_output',
  'compile_error',
  'time_limit',
  'crash',
  'memory_limit',
  'output_flood',
  'missing_file',
];

/** One way of writing the solution, right or wrong. */
export interface ProgramVariant {
  kind: DeliveryKind;
  /** Stable name, e.g. `time_limit/subtractive-gcd`. */
  name: string;
  /** What is wrong with it (or right), for people reading the demo. */
  bug: string;
  /** Where the student put the file: the template file, except for missing_file. */
  path: string;
  /** The file's content, signed by the student. */
  source(studentId: string): string;
}

/** The parts of a solution; a variant replaces one or two. */
interface Parts {
  includes: string[];
  helpers: string;
  parse: string;
  normalize: string;
  format: string;
  apply: string;
  main: string;
}

const PARSE = String.raw`Rational parseRational(const std::string& text) {
  std::size_t slash = text.find('/');
  if (slash == std::string::npos) return {std::stoll(text), 1};
  return {std::stoll(text.substr(0, slash)), std::stoll(text.substr(slash + 1))};
}`;

/** normalize with the given way of finding the gcd (an expression over r.num and r.den). */
function normalizeWith(gcd: string, { fixSign = true, reduce = true } = {}): string {
  const sign = String.raw`
  if (r.den < 0) {
    r.num = -r.num;
    r.den = -r.den;
  }`;
  const cancel = String.raw`
  long long g = ${gcd};
  if (g > 1) {
    r.num /= g;
    r.den /= g;
  }`;
  return `Rational normalize(Rational r) {${fixSign ? sign : ''}${reduce ? cancel : ''}
  return r;
}`;
}

const TO_STRING = String.raw`std::string toString(Rational r) {
  if (r.den == 1) return std::to_string(r.num);
  return std::to_string(r.num) + "/" + std::to_string(r.den);
}`;

const APPLY = String.raw`// Computes x op y into out; false when it is a division by zero.
bool apply(Rational x, char op, Rational y, Rational& out) {
  switch (op) {
    case '+':
      out = {x.num * y.den + y.num * x.den, x.den * y.den};
      break;
    case '-':
      out = {x.num * y.den - y.num * x.den, x.den * y.den};
      break;
    case '*':
      out = {x.num * y.num, x.den * y.den};
      break;
    case '/':
      if (y.num == 0) return false;
      out = {x.num * y.den, x.den * y.num};
      break;
    default:
      return false;
  }
  out = normalize(out);
  return true;
}`;

const MAIN = String.raw`int main() {
  std::string left, op, right;
  while (std::cin >> left >> op >> right) {
    Rational result;
    if (apply(parseRational(left), op[0], parseRational(right), result)) {
      std::cout << toString(result) << '\n';
    } else {
      std::cout << "undefined\n";
    }
  }
  return 0;
}`;

const BASE: Parts = {
  includes: ['<iostream>', '<numeric>', '<string>'],
  helpers: '',
  parse: PARSE,
  normalize: normalizeWith('std::gcd(r.num, r.den)'),
  format: TO_STRING,
  apply: APPLY,
  main: MAIN,
};

const EUCLID = String.raw`// Euclid's algorithm; never negative.
long long gcdOf(long long a, long long b) {
  if (a < 0) a = -a;
  if (b < 0) b = -b;
  while (b != 0) {
    long long t = a % b;
    a = b;
    b = t;
  }
  return a;
}`;

const RECURSIVE_GCD = String.raw`long long gcdOf(long long a, long long b) {
  if (b == 0) return a < 0 ? -a : a;
  return gcdOf(b, a % b);
}`;

const LINE_MAIN = String.raw`int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream words(line);
    std::string left, op, right;
    if (!(words >> left >> op >> right)) continue;
    Rational result;
    if (apply(parseRational(left), op[0], parseRational(right), result)) {
      std::cout << toString(result) << std::endl;
    } else {
      std::cout << "undefined" << std::endl;
    }
  }
}`;

// Products of values up to 1e9 do not fit in an int: wrong on large inputs only.
const INT_APPLY = String.raw`bool apply(Rational x, char op, Rational y, Rational& out) {
  int num = 0;
  int den = 1;
  switch (op) {
    case '+':
      num = x.num * y.den + y.num * x.den;
      den = x.den * y.den;
      break;
    case '-':
      num = x.num * y.den - y.num * x.den;
      den = x.den * y.den;
      break;
    case '*':
      num = x.num * y.num;
      den = x.den * y.den;
      break;
    case '/':
      if (y.num == 0) return false;
      num = x.num * y.den;
      den = x.den * y.num;
      break;
    default:
      return false;
  }
  out = normalize({num, den});
  return true;
}`;

// Zero is special-cased, other whole numbers are not: prints 4/1 instead of 4.
const WHOLE_AS_FRACTION = String.raw`std::string toString(Rational r) {
  if (r.num == 0) return "0";
  return std::to_string(r.num) + "/" + std::to_string(r.den);
}`;

// Adds numerators and denominators ("1/2 + 1/3 = 2/5").
const ADD_ACROSS = APPLY.replace(
  'out = {x.num * y.den + y.num * x.den, x.den * y.den};',
  'out = {x.num + y.num, x.den + y.den};',
).replace(
  'out = {x.num * y.den - y.num * x.den, x.den * y.den};',
  'out = {x.num - y.num, x.den + y.den};',
);

const DECIMAL = String.raw`std::string toString(Rational r) {
  std::ostringstream text;
  text << static_cast<double>(r.num) / r.den;
  return text.str();
}`;

// Euclid's original method: fine for positive numbers, never ends when one of them is 0, and
// takes forever when they are far apart.
const SUBTRACTIVE_GCD = String.raw`// gcd by repeated subtraction
long long gcdOf(long long a, long long b) {
  if (a < 0) a = -a;
  if (b < 0) b = -b;
  while (a != b) {
    if (a > b) {
      a -= b;
    } else {
      b -= a;
    }
  }
  return a;
}`;

// strchr returns null for an integer operand ("3"), and null + 1 is read.
const STRCHR_PARSE = String.raw`Rational parseRational(const std::string& text) {
  const char* s = text.c_str();
  const char* slash = std::strchr(s, '/');
  return {std::atoll(s), std::atoll(slash + 1)};
}`;

const ASSERT_APPLY = APPLY.replace(
  'if (y.num == 0) return false;',
  'assert(y.num != 0 && "cannot divide by zero");',
);

// A smallest-prime-factor table as large as the numbers: fine for small ones, gigabytes for large.
const SIEVE_NORMALIZE = String.raw`// Cancels common prime factors, found with a smallest-prime-factor sieve.
Rational normalize(Rational r) {
  if (r.den < 0) {
    r.num = -r.num;
    r.den = -r.den;
  }
  long long limit = std::max(r.num < 0 ? -r.num : r.num, r.den);
  std::vector<int> smallest(limit + 1, 0);
  for (long long i = 2; i <= limit; ++i) {
    if (smallest[i] != 0) continue;
    for (long long j = i; j <= limit; j += i) {
      if (smallest[j] == 0) smallest[j] = static_cast<int>(i);
    }
  }
  long long rest = r.den;
  while (rest > 1) {
    int p = smallest[rest];
    rest /= p;
    if (r.num % p == 0) {
      r.num /= p;
      r.den /= p;
    }
  }
  return r;
}`;

// The classic eof loop: a failed read (an integer operand) sets failbit, never eofbit, so the
// loop prints its last result forever.
const EOF_MAIN = String.raw`int main() {
  long long a = 0, b = 1, c = 0, d = 1;
  char slash1 = '/', op = '+', slash2 = '/';
  while (!std::cin.eof()) {
    std::cin >> a >> slash1 >> b >> op >> c >> slash2 >> d;
    if (std::cin.eof()) break;
    Rational result;
    if (apply({a, b}, op, {c, d}, result)) {
      std::cout << toString(result) << '\n';
    } else {
      std::cout << "undefined\n";
    }
  }
  return 0;
}`;

function render(parts: Parts, studentId: string, title = 'Assignment 1: rational numbers'): string {
  const includes = [...parts.includes.map((h) => `#include ${h}`), '', `#include "${HEADER_FILE}"`];
  const body = [parts.helpers, parts.parse, parts.normalize, parts.format, parts.apply, parts.main];
  return [
    `// ${title}`,
    `// Student ID: ${studentId}`,
    '',
    ...includes,
    '',
    body.filter((part) => part !== '').join('\n\n'),
    '',
  ].join('\n');
}

function variant(
  kind: DeliveryKind,
  name: string,
  bug: string,
  change: Partial<Parts>,
  path = TEMPLATE_FILE,
): ProgramVariant {
  const parts = { ...BASE, ...change };
  return { kind, name: `${kind}/${name}`, bug, path, source: (id) => render(parts, id) };
}

const withIncludes = (...extra: string[]): string[] => [...BASE.includes, ...extra].sort();

/** Every program a demo student may hand in. */
export const PROGRAM_VARIANTS: readonly ProgramVariant[] = [
  variant('correct', 'std-gcd', 'reduces with std::gcd', {}),
  variant('correct', 'euclid', 'its own Euclid, reads line by line', {
    includes: withIncludes('<sstream>'),
    helpers: EUCLID,
    normalize: normalizeWith('gcdOf(r.num, r.den)'),
    main: LINE_MAIN,
  }),
  variant('correct', 'recursive-gcd', 'a recursive gcd', {
    helpers: RECURSIVE_GCD,
    normalize: normalizeWith('gcdOf(r.num, r.den)'),
  }),
  variant('partial', 'int-overflow', 'computes in int: overflows on large values', {
    apply: INT_APPLY,
  }),
  variant('partial', 'whole-as-fraction', 'prints 4/1 instead of 4', {
    format: WHOLE_AS_FRACTION,
  }),
  variant('partial', 'negative-denominator', 'prints 3/-2 after dividing by a negative', {
    normalize: normalizeWith('std::gcd(r.num, r.den)', { fixSign: false }),
  }),
  variant('wrong_output', 'unreduced', 'never reduces: prints 2/4', {
    normalize: normalizeWith('', { reduce: false }),
  }),
  variant('wrong_output', 'add-across', 'adds numerators and denominators', {
    apply: ADD_ACROSS,
  }),
  variant('wrong_output', 'decimal', 'prints 0.833333 instead of 5/6', {
    includes: withIncludes('<sstream>'),
    format: DECIMAL,
  }),
  variant('compile_error', 'missing-semicolon', 'a missing semicolon', {
    normalize: normalizeWith('std::gcd(r.num, r.den)').replace('return r;', 'return r'),
  }),
  variant('compile_error', 'unqualified-gcd', 'gcd without std::', {
    normalize: normalizeWith('gcd(r.num, r.den)'),
  }),
  variant('compile_error', 'no-stream-operator', 'prints a Rational with << (none defined)', {
    main: MAIN.replace('toString(result)', 'result'),
  }),
  variant('time_limit', 'subtractive-gcd', 'gcd by subtraction: loops forever on 0', {
    helpers: SUBTRACTIVE_GCD,
    normalize: normalizeWith('gcdOf(r.num, r.den)'),
  }),
  variant('crash', 'strchr-null', 'dereferences a null strchr on an integer operand', {
    includes: withIncludes('<cstdlib>', '<cstring>'),
    parse: STRCHR_PARSE,
  }),
  variant('crash', 'assert-divisor', 'asserts on a division by zero (abort)', {
    includes: withIncludes('<cassert>'),
    apply: ASSERT_APPLY,
  }),
  variant('memory_limit', 'sieve', 'a prime sieve as large as the result', {
    includes: withIncludes('<algorithm>', '<vector>'),
    normalize: SIEVE_NORMALIZE,
  }),
  variant('output_flood', 'eof-loop', 'while (!cin.eof()) prints forever after a failed read', {
    main: EOF_MAIN,
  }),
  variant('missing_file', 'capitalised', 'named Rational.cpp', {}, 'Rational.cpp'),
  variant('missing_file', 'cc-suffix', 'named rational.cc', {}, 'rational.cc'),
  variant(
    'missing_file',
    'in-folder',
    'handed in the folder: src/rational.cpp',
    {},
    'src/rational.cpp',
  ),
];

/** The variants of one kind (never empty). */
export function variantsOf(kind: DeliveryKind): ProgramVariant[] {
  return PROGRAM_VARIANTS.filter((v) => v.kind === kind);
}
