// The sandbox against real bubblewrap and a hostile corpus: each case ends as it should, leaves
// no process behind, and the next run in a fresh work dir works normally.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  classifyRun,
  createSandboxWorkDir,
  javacSandboxFlags,
  jvmSandboxLimits,
  JVM_SANDBOX_ENV,
  openSandbox,
  removeSandboxWorkDir,
  runSandboxed,
  type SandboxLimits,
  type SandboxResult,
  type SandboxSession,
  type SandboxSpec,
} from '../src/extensions/pipeline/sandbox/index.js';
import { LAUNCHER_SOURCE_SHA256 } from '../src/extensions/pipeline/sandbox/launcher-version.js';
import { projectRoot } from '../src/platform/paths.js';
import {
  hostProcessCount,
  processesOfUid,
  startLoopbackServer,
  watchProcessCount,
} from './helpers/sandbox.js';

const MiB = 1024 * 1024;
// This file's own sandbox uid, so processes of other test files' sandboxes never count here.
const SANDBOX_UID = 2_100_000 + Math.floor(Math.random() * 100_000);
const options = { sandboxUid: SANDBOX_UID };

const limits: SandboxLimits = {
  wallTimeMs: 10_000,
  cpuTimeMs: 5_000,
  memoryBytes: 256 * MiB,
  maxProcesses: 32,
  maxFileBytes: 16 * MiB,
  outputBytes: MiB,
};
const compileLimits: SandboxLimits = {
  wallTimeMs: 60_000,
  cpuTimeMs: 60_000,
  memoryBytes: 1024 * MiB,
  maxProcesses: 16,
  maxFileBytes: 64 * MiB,
  outputBytes: MiB,
};

const workDirs: string[] = [];

async function freshWorkDir(files: Record<string, string> = {}): Promise<string> {
  const dir = await createSandboxWorkDir('zinc-sandbox-test-');
  workDirs.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

type RunOptions = Omit<Partial<SandboxSpec>, 'limits'> & {
  limits?: Partial<SandboxLimits>;
  /** A sandbox kept across runs (see box()); otherwise the run gets one of its own. */
  box?: SandboxSession;
};

const boxes: SandboxSession[] = [];

/** A sandbox for several runs of one test, holding `files` in /work. */
async function box(files: Record<string, string> = {}): Promise<SandboxSession> {
  const opened = await openSandbox(
    {
      files: Object.entries(files).map(([path, content]) => ({
        path,
        content: Buffer.from(content),
      })),
    },
    options,
  );
  boxes.push(opened);
  return opened;
}

/** Runs `command` in `spec.box`, or in a sandbox of its own on `spec.workDir` (or nothing), with
 * the default limits overridden. */
async function run(command: string[], spec: RunOptions = {}): Promise<SandboxResult> {
  const { box: kept, ...rest } = spec;
  const runLimits = { ...limits, ...spec.limits };
  if (kept !== undefined) {
    const { workDir: _ignored, ...runSpec } = rest;
    return kept.run({ ...runSpec, command, limits: runLimits });
  }
  const workDir = spec.workDir ?? (await freshWorkDir());
  return runSandboxed({ ...rest, workDir, command, limits: runLimits }, options);
}

/** A sandbox where `source` (saved as `file`) was compiled into `prog`. */
async function compileInside(file: string, source: string): Promise<SandboxSession> {
  const compiler = file.endsWith('.c') ? 'gcc' : 'g++';
  const kept = await box({ [file]: source });
  const result = await kept.run({
    command: [compiler, '-O0', '-o', 'prog', file],
    limits: compileLimits,
  });
  expect(result.stderr.toString()).toBe('');
  expect(classifyRun(result)).toEqual({ verdict: 'OK' });
  return kept;
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await sleep(20);
  expect(condition()).toBe(true);
}

beforeAll(() => {
  execFileSync('bash', [join(projectRoot(), 'scripts', 'build-sandbox-helper.sh')], {
    stdio: 'inherit',
  });
});

afterEach(async () => {
  for (const opened of boxes.splice(0)) await opened.close();
  // The host is as it was: nothing of the sandbox user runs any more...
  expect(processesOfUid(SANDBOX_UID)).toEqual([]);
  // ...and the next run, in a fresh work dir, works normally.
  const next = await run(['sh', '-c', 'echo ok; ls -A /work | wc -l']);
  expect(next.stdout.toString()).toBe('ok\n0\n');
  expect(classifyRun(next)).toEqual({ verdict: 'OK' });
  expect(processesOfUid(SANDBOX_UID)).toEqual([]);
});

afterAll(async () => {
  for (const dir of workDirs) await removeSandboxWorkDir(dir);
});

describe('runSandboxed: toolchains', () => {
  it('compiles a C++ program with g++ inside the sandbox and runs it', async () => {
    const kept = await compileInside(
      'hello.cpp',
      '#include <iostream>\nint main() { std::cout << "Hello, world!" << std::endl; }\n',
    );
    const result = await run(['./prog'], { box: kept });
    expect(result.stdout.toString()).toBe('Hello, world!\n');
    expect(result.exitCode).toBe(0);
    expect(result.peakMemoryBytes).toBeGreaterThan(0);
    expect(classifyRun(result)).toEqual({ verdict: 'OK' });
  });

  it('runs python3 with stdin', async () => {
    const workDir = await freshWorkDir({
      'main.py': 'import sys\nprint(sum(int(x) for x in sys.stdin.read().split()))\n',
    });
    const result = await run(['python3', 'main.py'], { workDir, stdin: '1 2 3\n4\n' });
    expect(result.stderr.toString()).toBe('');
    expect(result.stdout.toString()).toBe('10\n');
  });

  it('compiles and runs Java with the JVM sized for the address-space limit', async () => {
    const workDir = await box({
      'Main.java':
        'public class Main { public static void main(String[] args) { ' +
        'System.out.println("Hello from Java"); } }\n',
    });
    const heap = 128 * MiB;
    const jvm = jvmSandboxLimits(heap);
    const javaLimits = { memoryBytes: heap, addressSpaceBytes: jvm.addressSpaceBytes };
    const compiled = await run(['javac', ...javacSandboxFlags(heap), 'Main.java'], {
      box: workDir,
      limits: { ...compileLimits, ...javaLimits },
      env: { ...JVM_SANDBOX_ENV },
    });
    expect(compiled.stderr.toString()).toBe('');
    expect(classifyRun(compiled)).toEqual({ verdict: 'OK' });
    const result = await run(['java', ...jvm.flags, 'Main'], {
      box: workDir,
      limits: javaLimits,
      env: { ...JVM_SANDBOX_ENV },
    });
    expect(result.stdout.toString()).toBe('Hello from Java\n');
    expect(classifyRun(result)).toEqual({ verdict: 'OK' });
  });

  it('gives the command a small clean environment plus what the spec adds', async () => {
    const result = await run(['sh', '-c', 'env | sort'], { env: { ZINC_TEST_CASE: 'seven' } });
    const env = result.stdout.toString().trim().split('\n');
    expect(env).toEqual(
      expect.arrayContaining(['HOME=/tmp', 'LANG=C.UTF-8', 'ZINC_TEST_CASE=seven']),
    );
    expect(
      env.filter((line) => !/^(HOME|LANG|PATH|PWD|TMPDIR|ZINC_TEST_CASE)=/.test(line)),
    ).toEqual([]);
  });
});

describe('runSandboxed: how a program ends', () => {
  it('echoes stdin to stdout', async () => {
    const result = await run(['cat'], { stdin: 'line one\nline two\n' });
    expect(result.stdout.toString()).toBe('line one\nline two\n');
    expect(classifyRun(result)).toEqual({ verdict: 'OK' });
  });

  it('reports exit code 3 as a runtime error with that code', async () => {
    const result = await run(['sh', '-c', 'echo failing >&2; exit 3']);
    expect(result.exitCode).toBe(3);
    expect(result.stderr.toString()).toBe('failing\n');
    expect(classifyRun(result)).toEqual({ verdict: 'RUNTIME_ERROR', exitCode: 3, signal: null });
  });

  it('reports a segmentation fault as a runtime error with SIGSEGV', async () => {
    const kept = await compileInside(
      'crash.c',
      'int main(void) { volatile int *p = 0; *p = 42; }\n',
    );
    const result = await run(['./prog'], { box: kept });
    expect(result.signal).toBe('SIGSEGV');
    expect(classifyRun(result)).toEqual({
      verdict: 'RUNTIME_ERROR',
      exitCode: null,
      signal: 'SIGSEGV',
    });
  });

  it('reports a command that does not exist as a runtime error (exit 127)', async () => {
    const result = await run(['no-such-program']);
    expect(result.execError).toBe('ENOENT');
    expect(classifyRun(result)).toEqual({ verdict: 'RUNTIME_ERROR', exitCode: 127, signal: null });
  });

  it('tolerates a program that closes stdout early, or reads little of a large stdin', async () => {
    const closed = await run(['sh', '-c', 'exec 1>&-; sleep 0.2; echo still running >&2']);
    expect(closed.stdout.length).toBe(0);
    expect(closed.stderr.toString()).toBe('still running\n');
    expect(classifyRun(closed)).toEqual({ verdict: 'OK' });

    const partial = await run(['head', '-c', '5'], { stdin: Buffer.alloc(8 * MiB, 'x') });
    expect(partial.stdout.toString()).toBe('xxxxx');
    expect(classifyRun(partial)).toEqual({ verdict: 'OK' });
  });

  it('captures non-UTF-8 binary output byte for byte, and passes binary stdin', async () => {
    const expected = Buffer.concat([
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
      Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x80]),
    ]);
    const result = await run([
      'python3',
      '-c',
      'import sys; sys.stdout.buffer.write(bytes(range(256)) + b"\\xff\\xfe\\x00\\xc3\\x28\\x80")',
    ]);
    expect(result.stdout.equals(expected)).toBe(true);

    const echoed = await run(['cat'], { stdin: expected });
    expect(echoed.stdout.equals(expected)).toBe(true);
  });
});

describe('runSandboxed: limits', () => {
  it('stops an infinite loop at the CPU limit and leaves no process behind', async () => {
    const result = await run(['sh', '-c', 'sleep 1000 & while :; do :; done'], {
      limits: { cpuTimeMs: 1_000, wallTimeMs: 30_000 },
    });
    expect(result.cpuTimeExceeded).toBe(true);
    expect(result.timedOut).toBe(false);
    expect(result.signal).toBe('SIGXCPU');
    expect(classifyRun(result)).toEqual({ verdict: 'TIME_LIMIT_EXCEEDED' });
  });

  it('stops a program that sleeps past the wall-time limit', async () => {
    const result = await run(['sleep', '30'], { limits: { wallTimeMs: 1_000 } });
    expect(result.timedOut).toBe(true);
    expect(result.cpuTimeExceeded).toBe(false);
    expect(result.signal).toBe('SIGKILL');
    expect(classifyRun(result)).toEqual({ verdict: 'TIME_LIMIT_EXCEEDED' });
  });

  it('contains a fork bomb within maxProcesses', async () => {
    const kept = await compileInside(
      'bomb.c',
      '#include <unistd.h>\nint main(void) { for (;;) fork(); }\n',
    );
    const hostBefore = hostProcessCount();
    const watch = watchProcessCount(SANDBOX_UID);
    const result = await run(['./prog'], {
      box: kept,
      limits: { maxProcesses: 16, wallTimeMs: 3_000, cpuTimeMs: 3_000 },
    });
    const most = watch.stop();
    // bwrap and the launcher run as the sandbox user too.
    expect(most).toBeGreaterThan(2);
    expect(most).toBeLessThanOrEqual(16 + 2);
    expect(classifyRun(result)).toEqual({ verdict: 'TIME_LIMIT_EXCEEDED' });
    // Unrelated processes of the machine may come and go; a bomb would leave thousands.
    expect(hostProcessCount()).toBeLessThan(hostBefore + 200);
  });

  it('reports a C++ memory bomb as MEMORY_LIMIT_EXCEEDED', async () => {
    const kept = await compileInside(
      'bomb.cpp',
      '#include <cstring>\n#include <vector>\nint main() { std::vector<char*> blocks;\n' +
        '  for (;;) { char* b = new char[1 << 20]; std::memset(b, 1, 1 << 20); blocks.push_back(b); } }\n',
    );
    const result = await run(['./prog'], { box: kept });
    // The memory cgroup's OOM killer ends it (without cgroups, RLIMIT_AS: std::bad_alloc).
    expect(result.signal === 'SIGKILL' || result.stderr.toString().includes('std::bad_alloc')).toBe(
      true,
    );
    expect(result.memoryExceeded).toBe(true);
    expect(result.peakMemoryBytes).toBeLessThanOrEqual(limits.memoryBytes);
    expect(classifyRun(result)).toEqual({ verdict: 'MEMORY_LIMIT_EXCEEDED' });
  });

  it('reports a Python allocation past the limit as MEMORY_LIMIT_EXCEEDED', async () => {
    const result = await run(['python3', '-c', 'b = b"x" * (2 * 1024 ** 3)']);
    expect(classifyRun(result)).toEqual({ verdict: 'MEMORY_LIMIT_EXCEEDED' });
  });

  it('stops a gigabyte of output at the cap', async () => {
    const result = await run(['head', '-c', '1000000000', '/dev/zero'], {
      limits: { outputBytes: MiB },
    });
    expect(result.outputExceeded).toBe(true);
    expect(result.stdout.length).toBe(MiB);
    expect(classifyRun(result)).toEqual({ verdict: 'OUTPUT_LIMIT_EXCEEDED' });

    const onStderr = await run(['sh', '-c', 'yes error >&2'], { limits: { outputBytes: MiB } });
    expect(onStderr.outputExceeded).toBe(true);
    expect(onStderr.stderr.length).toBe(MiB);
    expect(classifyRun(onStderr)).toEqual({ verdict: 'OUTPUT_LIMIT_EXCEEDED' });
  });

  it('stops a huge file at maxFileBytes and leaves no giant file on the host', async () => {
    const workDir = await freshWorkDir();
    const kept = await box();
    const result = await run(['dd', 'if=/dev/zero', 'of=big.bin', 'bs=1M', 'count=1024'], {
      box: kept,
      limits: { maxFileBytes: 8 * MiB },
    });
    expect(result.signal).toBe('SIGXFSZ');
    expect(result.fileSizeExceeded).toBe(true);
    expect(classifyRun(result)).toEqual({ verdict: 'OUTPUT_LIMIT_EXCEEDED' });
    const size = await run(['stat', '-c', '%s', 'big.bin'], { box: kept });
    expect(Number(size.stdout.toString())).toBeLessThanOrEqual(8 * MiB);

    // Python ignores SIGXFSZ and gets EFBIG instead.
    const python = await run(
      ['python3', '-c', 'open("big2.bin", "wb").write(b"x" * (64 * 1024 ** 2))'],
      { box: kept, limits: { maxFileBytes: 8 * MiB } },
    );
    expect(python.fileSizeExceeded).toBe(true);
    expect(classifyRun(python)).toEqual({ verdict: 'OUTPUT_LIMIT_EXCEEDED' });
    const size2 = await run(['stat', '-c', '%s', 'big2.bin'], { box: kept });
    expect(Number(size2.stdout.toString())).toBeLessThanOrEqual(8 * MiB);
    // Nothing a sandbox writes reaches the host.
    expect(readdirSync(workDir)).toEqual([]);
  });
});

describe('runSandboxed: isolation', () => {
  it('keeps the network off: a host loopback server sees no connection', async () => {
    const server = await startLoopbackServer();
    try {
      const connect =
        'import socket\ntry:\n' +
        `    s = socket.create_connection(("127.0.0.1", ${server.port}), timeout=3)\n` +
        '    print("connected", s.recv(100).decode().strip())\n' +
        'except OSError as e:\n    print("failed", type(e).__name__)\n';
      const isolated = await run(['python3', '-c', connect]);
      expect(isolated.stdout.toString()).toMatch(/^failed /);
      expect(server.connections()).toBe(0);
    } finally {
      await server.close();
    }
  });

  it("shows a synthetic /etc/passwd, never the host's, and no /etc/shadow", async () => {
    const hostPasswd = readFileSync('/etc/passwd', 'utf8');
    const result = await run(['sh', '-c', 'cat /etc/passwd; cat /etc/shadow']);
    const shown = result.stdout.toString();
    expect(shown).toContain('sandbox:x:1000:1000:');
    expect(shown).not.toBe(hostPasswd);
    const hostOnly = hostPasswd
      .split('\n')
      .filter((line) => line !== '' && !/^(root|nobody):/.test(line));
    expect(hostOnly.length).toBeGreaterThan(0);
    for (const line of hostOnly) expect(shown).not.toContain(line);
    expect(result.stderr.toString()).toContain('/etc/shadow: No such file or directory');
  });

  it('shows nothing of other deliveries, expected outputs or the project', async () => {
    const host = await freshWorkDir();
    chmodSync(host, 0o755);
    mkdirSync(join(host, 'other-delivery'));
    mkdirSync(join(host, 'expected'));
    const otherFile = join(host, 'other-delivery', 'main.cpp');
    const expectedFile = join(host, 'expected', 'hidden.out');
    writeFileSync(otherFile, 'SECRET-OTHER-DELIVERY\n');
    writeFileSync(expectedFile, 'SECRET-EXPECTED-OUTPUT\n');
    const projectFile = join(projectRoot(), 'package.json');
    const script = [
      `cat ${otherFile} ${expectedFile} ${projectFile}`,
      `ls ${host} ${projectRoot()}`,
      'ls -A /',
      'find / -path /proc -prune -o -path /usr -prune -o -path /dev -prune -o -type f -print' +
        ' 2>/dev/null | xargs grep -l SECRET- 2>/dev/null',
      'true',
    ].join('; ');
    const result = await run(['sh', '-c', script]);
    expect(result.timedOut).toBe(false);
    const stdout = result.stdout.toString();
    expect(stdout).not.toContain('SECRET-');
    expect(stdout).not.toContain('"name": "zinc"');
    // The root holds only what the sandbox mounts.
    const allowed = ['.zinc', 'bin', 'dev', 'etc', 'lib', 'lib32', 'lib64', 'libx32', 'proc'];
    allowed.push('sbin', 'tmp', 'usr', 'work');
    const root = stdout.trim().split('\n');
    expect(root).toEqual(expect.arrayContaining(['etc', 'proc', 'tmp', 'usr', 'work']));
    expect(root.filter((name) => !allowed.includes(name))).toEqual([]);
    expect(result.stderr.toString()).toContain(`${otherFile}: No such file or directory`);
    expect(result.stderr.toString()).toContain(`${expectedFile}: No such file or directory`);
  });

  it('lets the command write only to /work and a bounded /tmp, and not kill the launcher', async () => {
    const script = [
      'touch /escape 2>&1 | grep -o "Read-only file system"',
      'touch /usr/escape 2>&1 | grep -o "Read-only file system"',
      'touch /dev/escape 2>&1 | grep -o "Read-only file system"',
      'head -c 12000000 /dev/zero 2>&1 >/tmp/fill | grep -o "No space left on device"',
      'kill -9 1 && echo "still here"',
    ].join('; ');
    const result = await run(['sh', '-c', script], {
      limits: { tmpBytes: 8 * MiB, maxFileBytes: 64 * MiB },
    });
    expect(result.stdout.toString()).toBe(
      'Read-only file system\n'.repeat(3) + 'No space left on device\nstill here\n',
    );
    expect(classifyRun(result)).toEqual({ verdict: 'OK' });
  });

  it('keeps concurrent runs apart', async () => {
    const results = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        run(['sh', '-c', `echo run ${n} > mine; sleep 0.3; cat mine; ls /work`]),
      ),
    );
    expect(results.map((result) => result.stdout.toString())).toEqual(
      [1, 2, 3, 4].map((n) => `run ${n}\nmine\n`),
    );
  });
});

describe('runSandboxed: cancellation and failures of the sandbox itself', () => {
  it('kills the whole process tree when its AbortSignal fires', async () => {
    const controller = new AbortController();
    const running = run(['sh', '-c', 'sleep 100 & sleep 100 & wait'], {
      signal: controller.signal,
      limits: { wallTimeMs: 60_000 },
    });
    // bwrap, the launcher, sh and two sleeps.
    await until(() => processesOfUid(SANDBOX_UID).length >= 5);
    controller.abort(new Error('batch cancelled'));
    await expect(running).rejects.toMatchObject({ name: 'SandboxCancelled' });
    expect(processesOfUid(SANDBOX_UID)).toEqual([]);

    await expect(run(['true'], { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'SandboxCancelled',
    });
  });

  it('throws SandboxUnavailable, not a verdict, when bubblewrap is missing', async () => {
    const workDir = await freshWorkDir();
    const spec = { workDir, command: ['true'], limits };
    await expect(
      runSandboxed(spec, { ...options, bwrapPath: join(workDir, 'no-such-bwrap') }),
    ).rejects.toMatchObject({ name: 'SandboxUnavailable' });
    await expect(
      runSandboxed(spec, { ...options, launcherPath: join(workDir, 'no-such-launcher') }),
    ).rejects.toMatchObject({ name: 'SandboxUnavailable' });
  });

  it('throws SandboxUnavailable when the sandbox ends before its launcher answers', async () => {
    const workDir = await freshWorkDir();
    // /usr/bin/true as the launcher (with the version mark of this zinc's launcher appended, so
    // zinc takes it for one): bwrap starts it, it exits at once, nothing says "ready".
    const launcherPath = join(workDir, 'true-launcher');
    writeFileSync(
      launcherPath,
      Buffer.concat([
        readFileSync('/usr/bin/true'),
        Buffer.from(`zinc-sandbox-launcher-source=${LAUNCHER_SOURCE_SHA256};`),
      ]),
      { mode: 0o755 },
    );
    const failure = runSandboxed(
      { workDir, command: ['true'], limits },
      { ...options, launcherPath },
    );
    await expect(failure).rejects.toMatchObject({ name: 'SandboxUnavailable' });
    await expect(failure).rejects.toThrow(/the sandbox ended unexpectedly/);
  });
});
