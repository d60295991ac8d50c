// Grading integrity against hostile students (issue "Grading integrity"): each attack kind, as a
// student would try it, through the real grading engine (runPipeline, bubblewrap, the launcher,
// cgroups where the machine has them). Every case asserts the verdict and the report, that the
// host is as it was (no process of the sandbox user, no work dir, the host secret untouched),
// and that the next delivery is graded normally.
//
// Attack kinds: test-data leak between tests, tampering with the build between tests, memfd and
// multi-process memory, deep and unremovable trees, the work dir's file limit, seccomp-refused
// kernel interfaces and socket families, host paths through /proc and /usr/local, file names
// that look like options, delivered-versus-provided path conflicts, a private TMPDIR, network
// requests in the config, and a hostile delivery beside an innocent one.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseGradingConfig } from '../src/extensions/pipeline/config/index.js';
import type { GradingConfig } from '../src/extensions/pipeline/config/index.js';
import type {
  CompileStageReport,
  GradingReport,
  StdioTestStageReport,
  TestReport,
} from '../src/extensions/pipeline/report/index.js';
import { studentView } from '../src/extensions/pipeline/report/index.js';
import { runPipeline } from '../src/extensions/pipeline/runner/index.js';
import type { PipelineFile } from '../src/extensions/pipeline/runner/index.js';
import { detectContainment } from '../src/extensions/pipeline/sandbox/index.js';
import { configOf, filesOf, gxxMajor, testSandboxUid, hostileHost } from './helpers/pipeline.js';

const SANDBOX_UID = testSandboxUid();
const MiB = 1024 * 1024;
const host = hostileHost('integrity');

afterEach(async () => {
  host.expectUnchanged(SANDBOX_UID);
  const next = await grade(python('stdin: "abc", expected: "cba"'), {
    'main.py': 'print(input()[::-1])\n',
  });
  expect(tests(next)[0]?.verdict).toBe('PASSED');
});

function grade(
  config: GradingConfig,
  files: Record<string, string | Buffer>,
  assets: PipelineFile[] = [],
): Promise<GradingReport> {
  return runPipeline({
    config,
    configVersion: 'cfg_integrity',
    files: filesOf(files),
    assets,
    sandboxOptions: { sandboxUid: SANDBOX_UID },
  });
}

function tests(report: GradingReport, key = 'stdioTest'): TestReport[] {
  return (report.stageReports[key] as StdioTestStageReport).tests;
}

/** A python config over main.py; `cases` are the test cases' fields, one per line. */
function python(...cases: string[]): GradingConfig {
  return configOf(`_settings:
  lang: python/python3:3
  use_template: FILENAMES
  template: [main.py]
  use_provided: true
stdioTest:
  time_limit_secs: 5
  memory_limit_mb: 128
  output_limit_kb: 1024
  testCases:
${cases.map((fields, i) => `    - { id: ${i + 1}, file: main.py, score: 1, ${fields} }`).join('\n')}
`);
}

describe('tests cannot see or change each other', () => {
  it('test-data leak: a hidden test saves its stdin; a later visible test finds nothing', async () => {
    const source = `import os, sys
data = sys.stdin.read()
if data.startswith("HIDDEN"):
    for path in ["saved.txt", "/tmp/saved.txt", "/dev/shm/saved.txt"]:
        open(path, "w").write(data)
    print("saved")
else:
    found = [open(p).read() for p in ["saved.txt", "/tmp/saved.txt", "/dev/shm/saved.txt"] if os.path.exists(p)]
    print("found " + "|".join(found) if found else "nothing")
`;
    const config = python(
      'stdin: "HIDDEN-INPUT-4242", expected: "saved", visibility: ALWAYS_HIDDEN',
      'stdin: "visible", expected: "nothing", visibility: ALWAYS_VISIBLE',
    );
    const report = await grade(config, { 'main.py': source });
    const [hidden, visible] = tests(report);
    expect(hidden?.verdict).toBe('PASSED');
    expect(visible?.verdict).toBe('PASSED');
    expect(visible?.actual?.text).toBe('nothing\n');
    const student = JSON.stringify(studentView(report, config, { gradingReleased: true }));
    expect(student).not.toContain('HIDDEN-INPUT-4242');
  });

  it('the student view: no timing of hidden tests, no output of stages after them', async () => {
    const config = configOf(`_settings:
  lang: python/python3:3
  use_template: FILENAMES
  template: [main.py]
stdioTest:
  testCases:
    - { id: 1, file: main.py, stdin: "x", expected: "x", score: 1, visibility: ALWAYS_HIDDEN }
shellExec:
  cmd: "echo AFTER-HIDDEN-OUTPUT"
`);
    const report = await grade(config, { 'main.py': 'print(input())\n' });
    expect(JSON.stringify(report)).toContain('AFTER-HIDDEN-OUTPUT');
    const student = studentView(report, config, { gradingReleased: false });
    expect(JSON.stringify(student)).not.toContain('AFTER-HIDDEN-OUTPUT');
    expect(student.stageReports.stdioTest?.durationMs).toBe(0);
    expect(student.stageReports.shellExec).toMatchObject({ run: null, durationMs: 0 });
  });

  it('tampering: test 1 overwrites the program and a provided file; test 2 still fails', async () => {
    const config = configOf(
      `_settings:
  lang: c/gcc:${gxxMajor()}
  use_template: FILENAMES
  template: [main.c]
  use_provided: true
compile: { input: ["main.c"], output: main }
stdioTest:
  testCases:
    - { id: 1, file: main, args: ["tamper"], expected: "tampered", score: 1 }
    - { id: 2, file: main, expected: "the right answer", score: 1 }
`,
      filesOf({ 'data.txt': 'original data\n' }),
    );
    const source = `#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "tamper") == 0) {
    FILE *d = fopen("data.txt", "w"); fputs("the right answer\\n", d); fclose(d);
    remove("main");
    FILE *m = fopen("main", "w"); fputs("#!/bin/sh\\necho the right answer\\n", m); fclose(m);
    puts("tampered");
    return 0;
  }
  char line[100] = ""; FILE *d = fopen("data.txt", "r"); fgets(line, sizeof line, d);
  fputs(line, stdout);
  return 0;
}
`;
    const report = await grade(
      config,
      { 'main.c': source },
      filesOf({ 'data.txt': 'original data\n' }),
    );
    const [tamper, honest] = tests(report);
    expect(tamper?.verdict).toBe('PASSED');
    expect(honest?.verdict).toBe('WRONG_OUTPUT');
    expect(honest?.actual?.text).toBe('original data\n');
  });
});

describe('memory is bounded in total', () => {
  const cgroups = detectContainment().mode === 'cgroup-v1';

  it('memfd: memory held outside the address space ends MEMORY_LIMIT_EXCEEDED', async () => {
    // Six memfds of 60 MiB (each under the 64 MiB file-size limit): 2.8 times the 128 MiB limit.
    const source = `import os
chunk = b"x" * (1 << 20)
fds = [os.memfd_create(f"hoard{n}") for n in range(6)]
for fd in fds:
    for i in range(60):
        os.write(fd, chunk)
print("held")
`;
    const test = tests(await grade(python('expected: "held"'), { 'main.py': source }))[0];
    if (cgroups) {
      expect(test?.verdict).toBe('MEMORY_LIMIT_EXCEEDED');
      expect(test?.memoryBytes).toBeGreaterThan(100 * MiB);
    } else {
      // Without a memory cgroup memfd_create is refused.
      expect(test?.verdict).toBe('RUNTIME_ERROR');
      expect(test?.stderr?.text).toContain('PermissionError');
    }
  });

  it('several processes, each under the limit, together past it: MEMORY_LIMIT_EXCEEDED', async () => {
    const source = `import os, time
kids = []
for i in range(8):
    pid = os.fork()
    if pid == 0:
        block = b"x" * (80 << 20)
        time.sleep(1)
        os._exit(0)
    kids.append(pid)
for pid in kids:
    os.waitpid(pid, 0)
print("done")
`;
    const test = tests(await grade(python('expected: "done"'), { 'main.py': source }))[0];
    expect(cgroups).toBe(true);
    expect(test?.verdict).toBe('MEMORY_LIMIT_EXCEEDED');
    expect(test?.memoryBytes).toBeLessThanOrEqual(128 * MiB);
  });

  it('a hostile delivery beside an innocent one never makes the innocent one fail', async () => {
    const bomb = `import os
blocks = []
for i in range(6):
    os.fork()
while True:
    blocks.append(b"x" * (16 << 20))
`;
    const [hostile, innocent] = await Promise.all([
      grade(python('expected: ""'), { 'main.py': bomb }),
      grade(python('stdin: "2 3", expected: "5"', 'stdin: "4 4", expected: "8"'), {
        'main.py': 'print(sum(map(int, input().split())))\n',
      }),
    ]);
    expect(tests(hostile)[0]?.verdict).toMatch(/MEMORY_LIMIT_EXCEEDED|TIME_LIMIT_EXCEEDED/);
    expect(tests(innocent).map((t) => t.verdict)).toEqual(['PASSED', 'PASSED']);
  });
});

describe('the work dir', () => {
  it('deep and unremovable trees: the report stands and nothing is left on the host', async () => {
    const source = `import os
os.makedirs("/".join(["d"] * 240))
os.makedirs("locked/inner")
open("locked/inner/f", "w").write("x")
os.chmod("locked/inner", 0o500)
os.chmod("locked", 0o000)
os.mkfifo("pipe")
print("made")
`;
    const test = tests(await grade(python('expected: "made"'), { 'main.py': source }))[0];
    expect(test?.verdict).toBe('PASSED');
  });

  it('file-count limit: 20,000 files end OUTPUT_LIMIT_EXCEEDED, not an infrastructure failure', async () => {
    const source = `for i in range(20000):
    open(f"f{i}", "w").close()
print("made")
`;
    const test = tests(await grade(python('expected: "made"'), { 'main.py': source }))[0];
    expect(test?.verdict).toBe('OUTPUT_LIMIT_EXCEEDED');
    expect(test?.message).toMatch(/work dir/);
  });

  it('a private TMPDIR of mode 0700 does not stop grading', async () => {
    const previous = process.env.TMPDIR;
    const privateTmp = mkdtempSync(join(host.tmp(), 'private-'));
    process.env.TMPDIR = privateTmp;
    try {
      const test = tests(
        await grade(python('stdin: "x", expected: "x"'), { 'main.py': 'print(input())\n' }),
      )[0];
      expect(test?.verdict).toBe('PASSED');
    } finally {
      process.env.TMPDIR = previous;
      rmSync(privateTmp, { recursive: true, force: true });
    }
  });
});

describe('the kernel and the host stay out of reach', () => {
  it('seccomp: io_uring, userfaultfd, perf_event_open, bpf, keyrings, ptrace, mount, unshare, personality and foreign socket families are refused', async () => {
    const source = `import ctypes, errno, socket
libc = ctypes.CDLL(None, use_errno=True)
calls = {"io_uring_setup": (425, 8, 0), "userfaultfd": (323, 0), "perf_event_open": (298, 0, 0, -1, -1, 0),
         "bpf": (321, 0, 0, 0), "keyctl": (250, 0, 0), "add_key": (248, 0, 0, 0, 0, 0),
         "ptrace": (101, 16, 1, 0, 0), "mount": (165, 0, 0, 0, 0, 0), "unshare": (272, 0x10000000),
         "personality": (135, 0x0040000), "kexec_load": (246, 0, 0, 0, 0), "init_module": (175, 0, 0, 0)}
for name, args in calls.items():
    result = libc.syscall(*[ctypes.c_long(a) for a in args])
    print(name, "refused" if result == -1 and ctypes.get_errno() == errno.EPERM else f"allowed {result} {ctypes.get_errno()}")
for name, family in [("AF_VSOCK", 40), ("AF_NETLINK", 16), ("AF_PACKET", 17), ("AF_BLUETOOTH", 31)]:
    try:
        socket.socket(family, socket.SOCK_RAW if family != 40 else socket.SOCK_STREAM)
        print(name, "allowed")
    except OSError as e:
        print(name, "refused" if e.errno == errno.EAFNOSUPPORT else f"other {e.errno}")
try:
    socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    print("AF_INET allowed")
except OSError as e:
    print("AF_INET", e)
`;
    const names = [
      'io_uring_setup',
      'userfaultfd',
      'perf_event_open',
      'bpf',
      'keyctl',
      'add_key',
      'ptrace',
      'mount',
      'unshare',
      'personality',
      'kexec_load',
      'init_module',
    ];
    const expected = [
      ...names.map((name) => `${name} refused`),
      ...['AF_VSOCK', 'AF_NETLINK', 'AF_PACKET', 'AF_BLUETOOTH'].map((name) => `${name} refused`),
      'AF_INET allowed',
    ].join('\\n');
    const test = tests(await grade(python(`expected: "${expected}"`), { 'main.py': source }))[0];
    expect(test?.stderr?.text ?? '').toBe('');
    expect(test?.actual?.text).toBe(`${expected.replaceAll('\\n', '\n')}\n`);
    expect(test?.verdict).toBe('PASSED');
  });

  it('/usr/local is empty and /proc shows no host path of the work dir', async () => {
    const source = `import os
print(os.listdir("/usr/local"))
info = open("/proc/self/mountinfo").read()
print("host path" if ${JSON.stringify(host.tmp())} in info or "/tmp/" in info else "no host path")
`;
    const test = tests(
      await grade(python('expected: "[]\\nno host path"'), { 'main.py': source }),
    )[0];
    expect(test?.actual?.text).toBe('[]\nno host path\n');
  });

  it('names like options: delivered -DX.c and -Wl,-Map=y.c are compiled as files', async () => {
    const config = configOf(`_settings:
  lang: c/gcc:${gxxMajor()}
compile: { input: ["*.c"], output: main }
stdioTest:
  testCases:
    - { id: 1, file: main, expected: "42", score: 1 }
`);
    const report = await grade(config, {
      '-DX.c': 'int helper(void) { return 40; }\n',
      '-Wl,-Map=y.c': 'int other(void) { return 2; }\n',
      'main.c':
        '#include <stdio.h>\nint helper(void); int other(void);\nint main(void) { printf("%d\\n", helper() + other()); }\n',
    });
    const compile = report.stageReports.compile as CompileStageReport;
    expect(compile.verdict).toBe('COMPILED');
    expect(compile.run?.command).toContain('./-DX.c');
    expect(tests(report)[0]?.verdict).toBe('PASSED');
  });

  it('a delivered file named like a provided folder ends in a clear report, not a retry', async () => {
    const assets = filesOf({ 'data/x.txt': 'provided\n' });
    const config = configOf(
      `_settings:
  lang: python/python3:3
  use_template: FILENAMES
  template: [main.py, data]
  use_provided: true
stdioTest:
  testCases:
    - { id: 1, file: main.py, expected: "provided", score: 1 }
`,
      assets,
    );
    const report = await grade(
      config,
      { 'main.py': 'print(open("data/x.txt").read())\n', data: 'mine\n' },
      assets,
    );
    expect(report.pipelineError).toMatch(
      /delivered file "data" has the name of the folder of the provided file "data\/x.txt"/,
    );
    expect(report.score).toBe(0);
  });

  it('network: a config asking for it is refused by its path, before anything runs', () => {
    const result = parseGradingConfig(
      `_settings:
  lang: python/python3:3
  enable_features: { network: true }
stdioTest:
  testCases:
    - { id: 1, file: main.py, expected: "", score: 1 }
`,
      { assets: [] },
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems.map((p) => `${p.path}: ${p.message}`).join('\n')).toMatch(
        /_settings\.enable_features\.network: network access for graded code is not supported yet/,
      );
    }
  });
});
