// The grading engine against hostile deliveries: each gets the right verdict, the host is as it
// was (no process left, no work dir left, nothing written outside), and the next delivery is
// graded normally. Mostly python (no compile); C and C++ where the attack needs them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { GradingConfig } from '../src/extensions/pipeline/config/index.js';
import type {
  GradingReport,
  StdioTestStageReport,
  TestReport,
} from '../src/extensions/pipeline/report/index.js';
import { runPipeline } from '../src/extensions/pipeline/runner/index.js';
import type { PipelineFile } from '../src/extensions/pipeline/runner/index.js';
import { hostProcessCount, startLoopbackServer, watchProcessCount } from './helpers/sandbox.js';
import {
  configOf,
  filesOf,
  gxxMajor,
  leftIn,
  testSandboxUid,
  hostileHost,
} from './helpers/pipeline.js';

const SANDBOX_UID = testSandboxUid();
const MiB = 1024 * 1024;
const host = hostileHost('hostile');

function grade(
  config: GradingConfig,
  files: PipelineFile[],
  assets: PipelineFile[] = [],
): Promise<GradingReport> {
  return runPipeline({
    config,
    configVersion: 'cfg_hostile',
    files,
    assets,
    sandboxOptions: { sandboxUid: SANDBOX_UID },
  });
}

interface PythonOptions {
  assets?: PipelineFile[];
  timeLimitSecs?: number;
}

/** A python config running main.py once with the given test fields (2 s, 128 MiB, 1 MiB out). */
function pythonConfig(test: string, opts: PythonOptions = {}) {
  const yaml = `_settings:
  lang: python/python3:3
  use_template: FILENAMES
  template: [main.py]
  use_provided: true
stdioTest:
  time_limit_secs: ${opts.timeLimitSecs ?? 2}
  memory_limit_mb: 128
  output_limit_kb: 1024
  testCases:
    - { id: 1, file: main.py, score: 1, ${test} }
`;
  return configOf(yaml, opts.assets ?? []);
}

function onlyTest(report: GradingReport): TestReport {
  const stage = report.stageReports.stdioTest as StdioTestStageReport;
  expect(stage.tests).toHaveLength(1);
  return stage.tests[0]!;
}

/** Grades main.py with a one-test python config. */
async function gradePython(
  source: string,
  test: string,
  opts: PythonOptions = {},
): Promise<TestReport> {
  const report = await grade(pythonConfig(test, opts), filesOf({ 'main.py': source }), opts.assets);
  expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  return onlyTest(report);
}

afterEach(async () => {
  // Nothing of the sandboxes runs on, every work dir is gone...
  host.expectUnchanged(SANDBOX_UID);
  // ...and the next delivery is graded normally.
  const next = await gradePython('print(input()[::-1])\n', 'stdin: "abc", expected: "cba"');
  expect(next.verdict).toBe('PASSED');
});

describe('hostile deliveries: limits', () => {
  it('an infinite loop is TIME_LIMIT_EXCEEDED', async () => {
    const test = await gradePython('while True:\n    pass\n', 'expected: ""');
    expect(test.verdict).toBe('TIME_LIMIT_EXCEEDED');
    expect(test.score).toBe(0);
  });

  it('sleeping past the wall limit without using CPU is TIME_LIMIT_EXCEEDED', async () => {
    const test = await gradePython('import time\ntime.sleep(120)\n', 'expected: ""');
    expect(test.verdict).toBe('TIME_LIMIT_EXCEEDED');
    expect(test.signal).toBe('SIGKILL');
    expect(test.message).toMatch(/wall-time limit of 2 s/);
  });

  it('a fork bomb is contained and ends TIME_LIMIT_EXCEEDED', async () => {
    const config = configOf(`_settings:
  lang: c/gcc:${gxxMajor()}
  use_template: FILENAMES
  template: [bomb.c]
compile:
  input: ["*.c"]
  output: bomb
stdioTest:
  time_limit_secs: 2
  testCases:
    - { id: 1, file: bomb, expected: "", score: 1 }
`);
    const hostBefore = hostProcessCount();
    const watch = watchProcessCount(SANDBOX_UID);
    const report = await grade(
      config,
      filesOf({ 'bomb.c': '#include <unistd.h>\nint main(void) { for (;;) fork(); }\n' }),
    );
    const most = watch.stop();
    expect(onlyTest(report).verdict).toBe('TIME_LIMIT_EXCEEDED');
    // COMMAND_DEFAULTS.maxProcesses (64), plus bwrap and the launcher.
    expect(most).toBeLessThanOrEqual(64 + 2);
    expect(hostProcessCount()).toBeLessThan(hostBefore + 200);
  });

  it('a memory bomb is MEMORY_LIMIT_EXCEEDED', async () => {
    const test = await gradePython(
      'blocks = []\nwhile True:\n    blocks.append(bytearray(8 * 1024 * 1024))\n',
      'expected: ""',
    );
    expect(test.verdict).toBe('MEMORY_LIMIT_EXCEEDED');
    expect(test.message).toMatch(/ran out of memory \(limit 128 MiB\)/);
    // The true peak of the run, near the limit and never past it.
    expect(test.memoryBytes).toBeGreaterThan(64 * MiB);
    expect(test.memoryBytes).toBeLessThanOrEqual(128 * MiB);
  });

  it('a gigabyte of output is OUTPUT_LIMIT_EXCEEDED, and the report keeps 64 KiB of it', async () => {
    const test = await gradePython(
      'import sys\nchunk = "y" * 65536\nfor _ in range(16384):\n    sys.stdout.write(chunk)\n',
      'expected: "y"',
    );
    expect(test.verdict).toBe('OUTPUT_LIMIT_EXCEEDED');
    expect(test.actual).toMatchObject({ bytes: 1024 * 1024, truncated: true });
    expect(test.actual?.text.length).toBe(64 * 1024);
    expect(JSON.stringify(test).length).toBeLessThan(200 * 1024);
  });

  it('a huge file written to the work dir is OUTPUT_LIMIT_EXCEEDED', async () => {
    const test = await gradePython(
      'with open("huge.bin", "wb") as f:\n    for _ in range(1024):\n        f.write(b"z" * (1024 * 1024))\n',
      'expected: ""',
    );
    expect(test.verdict).toBe('OUTPUT_LIMIT_EXCEEDED');
    expect(test.message).toBe('wrote a file larger than allowed');
  });

  it('a compile that never ends is COMPILE_ERROR, timed out at the stage wall limit', async () => {
    const config = configOf(`_settings:
  lang: cpp/g++:${gxxMajor()}
  use_template: FILENAMES
  template: [slow.cpp]
  stage_wait_duration_secs: 3
  early_return_on_throw: true
compile:
  input: ["*.cpp"]
  output: slow
  flags: ["-std=c++17"]
stdioTest:
  testCases:
    - { id: 1, file: slow, expected: "", score: 1 }
`);
    // 800 constants, each computed at compile time within g++'s per-expression limits: minutes.
    const slow = `constexpr unsigned long spin(int k) {
  unsigned long s = k;
  for (long i = 0; i < 200000; i++) s = s * 31 + i;
  return s;
}
template <int N> struct Sum { static constexpr unsigned long value = spin(N) + Sum<N - 1>::value; };
template <> struct Sum<0> { static constexpr unsigned long value = 0; };
int main() { return Sum<800>::value == 0; }
`;
    const report = await grade(config, filesOf({ 'slow.cpp': slow }));
    expect(report.stageReports.compile).toMatchObject({
      verdict: 'COMPILE_ERROR',
      success: false,
      run: { timedOut: true },
    });
    const compile = report.stageReports.compile;
    if (compile?.kind !== 'compile' || compile.status === 'skipped') throw new Error('no compile');
    expect(compile.message).toMatch(/wall-time limit of 3 s .*stage_wait_duration_secs/);
    expect(onlyTest(report).verdict).toBe('SKIPPED');
  });
});

describe('hostile deliveries: isolation', () => {
  it('cannot connect to the network', async () => {
    const server = await startLoopbackServer();
    try {
      const source = `import socket
try:
    socket.create_connection(("127.0.0.1", ${server.port}), timeout=2)
    print("connected")
except OSError:
    print("blocked")
`;
      const test = await gradePython(source, 'expected: "blocked"');
      expect(test.verdict).toBe('PASSED');
      expect(server.connections()).toBe(0);
    } finally {
      await server.close();
    }
  });

  it("reads a synthetic /etc/passwd, never the host's", async () => {
    const test = await gradePython('print(open("/etc/passwd").read())\n', 'expected: "root"');
    expect(test.verdict).toBe('WRONG_OUTPUT');
    const hostOnly = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .filter((line) => line !== '' && !/^(root|nobody):/.test(line));
    expect(hostOnly.length).toBeGreaterThan(0);
    for (const line of hostOnly) expect(test.actual?.text).not.toContain(line);
  });

  it('finds no expected output, test input or host file anywhere it can look', async () => {
    const assets = filesOf({
      'header.txt': 'provided\n',
      'tests/t1.in': 'SECRET-INPUT\n',
      'tests/t1.out': 'SECRET-EXPECTED\n',
    });
    // Walks every file it can reach (but the system trees) for the secrets, and lists /work.
    const source = `import os, sys
found = []
for top in ["/", ${JSON.stringify(join(host.tmp(), '..'))}]:
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if os.path.join(root, d) not in ("/proc", "/usr", "/dev", "/sys")]
        for name in files:
            try:
                data = open(os.path.join(root, name), "rb").read(1 << 20)
            except OSError:
                continue
            # Spelt in two parts so this very file does not match.
            for secret in (b"SECRET-" + b"EXPECTED", b"HOST-" + b"SECRET"):
                if secret in data:
                    found.append(os.path.join(root, name))
print(sorted(os.listdir("/work")))
print(sys.stdin.read().strip(), "found:", sorted(set(found)))
`;
    const test = await gradePython(source, `file_stdin: tests/t1.in, file_expected: tests/t1.out`, {
      assets,
    });
    expect(test.verdict).toBe('WRONG_OUTPUT');
    expect(test.actual?.text).toBe("['header.txt', 'main.py']\nSECRET-INPUT found: []\n");
  });

  it('sees nothing of another delivery graded at the same time', async () => {
    const waiting = gradePython(
      'import time\ntime.sleep(1.5)\nprint("OTHER-DELIVERY-MARKER")\n',
      'expected: "OTHER-DELIVERY-MARKER"',
    );
    // The other delivery's work dir is in the folder this one searches, while it exists.
    const source = `import os, time
time.sleep(0.3)
hits = []
for top in ["/", ${JSON.stringify(host.tmp())}]:
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if os.path.join(root, d) not in ("/proc", "/usr", "/dev", "/sys")]
        for name in files:
            try:
                if b"OTHER-DELIVERY-MARKER" in open(os.path.join(root, name), "rb").read(1 << 20):
                    hits.append(os.path.join(root, name))
            except OSError:
                pass
hits = [h for h in hits if h != "/work/main.py"]
print("hits:", hits)
`;
    const [other, searcher] = await Promise.all([
      waiting,
      gradePython(source, 'expected: "hits: []"', { timeLimitSecs: 20 }),
    ]);
    expect(other.verdict).toBe('PASSED');
    expect(searcher.verdict).toBe('PASSED');
  });
});

describe('hostile deliveries: output and file names', () => {
  it('closing stdout early is no crash: the output so far is judged', async () => {
    const test = await gradePython(
      'import os, sys, time\nprint("first", flush=True)\nos.close(1)\ntime.sleep(0.2)\n',
      'expected: "first"',
    );
    expect(test.verdict).toBe('PASSED');
  });

  it('non-UTF-8 binary output is stored as replaced text, flagged, and compared byte for byte', async () => {
    const binary = Buffer.concat([
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
      Buffer.from('\n'),
    ]);
    const assets = filesOf({ 'bytes.out': binary, 'other.out': Buffer.from([0xff, 0x0a]) });
    const source =
      'import sys\nsys.stdout.buffer.write(bytes(range(256)) + b"\\n")\nsys.stderr.buffer.write(b"\\xc3\\x28")\n';
    const same = await gradePython(source, 'file_expected: bytes.out', { assets });
    expect(same.verdict).toBe('PASSED');
    expect(same.actual).toMatchObject({ bytes: 257, invalidUtf8: true, truncated: false });
    expect(same.actual?.text).toContain('\uFFFD');
    expect(same.stderr).toMatchObject({ invalidUtf8: true });

    // 0xfe and 0xff both decode to U+FFFD, yet they are different bytes: a wrong output.
    const differs = await gradePython(
      'import sys\nsys.stdout.buffer.write(b"\\xfe\\n")\n',
      'file_expected: other.out',
      { assets },
    );
    expect(differs.verdict).toBe('WRONG_OUTPUT');
    expect(differs.diff?.text).toContain('-\uFFFD\n+\uFFFD');
  });

  it('refuses delivery file names with ".." or an absolute path before anything runs', async () => {
    const config = pythonConfig('expected: ""');
    for (const path of ['../escape.py', '/tmp/escape.py', 'sub/../../escape.py']) {
      const report = await grade(config, filesOf({ 'main.py': 'print()\n', [path]: 'ESCAPED\n' }));
      expect(report.pipelineError).toMatch(/^delivery file refused: unsafe relative path/);
      expect(report.pipelineError).toContain(JSON.stringify(path));
      expect(onlyTest(report).verdict).toBe('SKIPPED');
      expect(report.score).toBe(0);
    }
    expect(leftIn(join(host.tmp(), '..')).filter((name) => name.startsWith('escape'))).toEqual([]);
  });
});
