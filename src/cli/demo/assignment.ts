// The demo assignment as data: a small C++17 problem, its grading config in ZINC YAML, and the
// config's assets (the provided header and the hidden tests' input and expected files).
import { HEADER_FILE, RATIONAL_HEADER, TEMPLATE_FILE } from './header.js';
import { HIDDEN_TESTS, VISIBLE_TESTS } from './rational-tests.js';

/** Where `zinc demo` puts the deliveries: course, activity and collection names. */
export const DEMO_COURSE = {
  course: 'DEMO1010',
  activity: 'Assignment 1: rational numbers',
  collection: 'main',
} as const;

/** The problem as students read it. */
export const DEMO_PROBLEM_STATEMENT = `# Assignment 1: rational numbers

Write \`${TEMPLATE_FILE}\`, a C++17 program that reads lines \`X op Y\` from standard input
until it ends and prints, for each line, the value of \`X op Y\` in lowest terms.

- \`X\` and \`Y\` are fractions \`p/q\` or whole numbers \`p\`; \`p\` may be negative, \`q\` is
  positive; both are at most 10^9 in absolute value.
- \`op\` is one of \`+\`, \`-\`, \`*\` and \`/\`, with a space on each side.
- Print \`p/q\` with \`q > 1\` and no common factor, or \`p\` when the value is whole (\`0\`, \`4\`,
  \`-1\`), or \`undefined\` for a division by zero.

\`${HEADER_FILE}\` (provided) declares the functions to write. Example:

\`\`\`
1/2 + 1/3      5/6
2/3 * 6        4
-1/2 / 0       undefined
\`\`\`
`;

/** Bounds the config sets on each test run (the stdioTest stages' own fields). */
export const DEMO_TEST_LIMITS = {
  time_limit_secs: 2,
  memory_limit_mb: 64,
  output_limit_kb: 64,
} as const;

const VISIBLE_SCORE = 10;
const HIDDEN_SCORE = 15;

/** A YAML literal block (`|`) holding `text`, indented to `indent` spaces. */
function block(text: string, indent: number): string {
  const pad = ' '.repeat(indent);
  return `|\n${text
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => `${pad}${line}`)
    .join('\n')}`;
}

const limits = Object.entries(DEMO_TEST_LIMITS)
  .map(([field, value]) => `  ${field}: ${value}`)
  .join('\n');

const visibleCases = VISIBLE_TESTS.map((t) =>
  [
    `    # ${t.title}`,
    `    - id: ${t.id}`,
    `      file: rational`,
    `      visibility: ALWAYS_VISIBLE`,
    `      score: ${VISIBLE_SCORE}`,
    `      stdin: ${block(t.stdin, 8)}`,
    `      expected: ${block(t.expected, 8)}`,
  ].join('\n'),
).join('\n');

const hiddenCases = HIDDEN_TESTS.map((t) =>
  [
    `    # ${t.title}`,
    `    - id: ${t.id}`,
    `      file: rational`,
    `      file_stdin: ${t.stdinFile}`,
    `      file_expected: ${t.expectedFile}`,
    `      visibility: ALWAYS_HIDDEN`,
    `      score: ${HIDDEN_SCORE}`,
  ].join('\n'),
).join('\n');

/** The demo's grading config (ZINC YAML): visible tests inline, hidden tests as assets. */
export const DEMO_CONFIG_YAML = `# The zinc demo's grading config for "${DEMO_COURSE.activity}".
_settings:
  lang: cpp/g++:12
  # The demo runs wherever zinc does: another g++ (13 on Ubuntu 24.04) grades it the same.
  lang_version_may_differ: true
  use_template: FILENAMES
  template: [${TEMPLATE_FILE}]
  use_provided: true # ${HEADER_FILE}
  # Bounds each compile; generous because a batch compiles many deliveries at once.
  stage_wait_duration_secs: 60
  cpus: 1
  mem_gb: 1
fileStructureValidation:
  ignore_in_submission: ["*.txt", "*.md", ${HEADER_FILE}]
compile:
  input: ["*.cpp"]
  output: rational
  flags: [-std=c++17, -O2]
stdioTest:
  diff_ignore_flags: [TRAILING_WHITESPACE]
${limits}
  testCases:
${visibleCases}
stdioTest:hidden:
  diff_ignore_flags: [TRAILING_WHITESPACE]
${limits}
  testCases:
${hiddenCases}
score:
  normalizedTo: 100
`;

/** The config's assets: the provided header and each hidden test's input and expected output. */
export const DEMO_ASSETS: Array<{ path: string; content: string }> = [
  { path: HEADER_FILE, content: RATIONAL_HEADER },
  ...HIDDEN_TESTS.flatMap((t) => [
    { path: t.stdinFile, content: t.stdin },
    { path: t.expectedFile, content: t.expected },
  ]),
];
