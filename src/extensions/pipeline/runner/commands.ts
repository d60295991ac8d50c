// The argv of each command a stage runs, per language: compilers, make, the shell, test programs.
import { toolchainFor } from '../config/lang.js';
import type { CompileStage, LangSetting, MakeStage } from '../config/types.js';
import { JVM_SANDBOX_ENV, javacSandboxFlags, jvmSandboxLimits } from '../sandbox/index.js';
import type { SandboxLimits } from '../sandbox/index.js';

/** A command, the limits it runs under (a JVM needs its address space sized apart) and its
 * extra environment. */
export interface PlannedCommand {
  command: string[];
  limits: SandboxLimits;
  env?: Record<string, string>;
}

/** For every JVM (see JVM_SANDBOX_ENV). */
const JVM_ENV = JVM_SANDBOX_ENV;

/** A file name as a command's operand: one that starts with `-` or `@` would be read as an
 * option (or a javac/gcc argument file), so it is given as `./name`. */
export function operand(path: string): string {
  return path.startsWith('-') || path.startsWith('@') ? `./${path}` : path;
}

/** The compiler run for `stage` on `inputs`: g++/gcc `flags -o output inputs`, or javac. */
export function compileCommand(
  lang: LangSetting,
  stage: CompileStage,
  inputs: string[],
  limits: SandboxLimits,
): PlannedCommand {
  const tool = toolchainFor(lang);
  if (lang.language === 'java') {
    // Class files go next to the sources' package folders in /work, where `java -cp .` finds them.
    const jvm = jvmSandboxLimits(limits.memoryBytes);
    return {
      command: [
        tool,
        ...javacSandboxFlags(limits.memoryBytes),
        ...stage.flags,
        '-d',
        '.',
        ...inputs.map(operand),
      ],
      limits: { ...limits, addressSpaceBytes: jvm.addressSpaceBytes },
      env: JVM_ENV,
    };
  }
  return {
    command: [tool, ...stage.flags, '-o', operand(stage.output), ...inputs.map(operand)],
    limits,
  };
}

/** How a build tool prints its version, inside the sandbox (the build cache's toolchain
 * identity): `g++ --version`, `javac -version`, `make --version`. */
export function versionCommand(tool: string, limits: SandboxLimits): PlannedCommand {
  if (tool === 'javac') {
    const jvm = jvmSandboxLimits(limits.memoryBytes);
    return {
      command: [tool, ...javacSandboxFlags(limits.memoryBytes), '-version'],
      limits: { ...limits, addressSpaceBytes: jvm.addressSpaceBytes },
      env: JVM_ENV,
    };
  }
  return { command: [tool, '--version'], limits };
}

/** `make args targets`. */
export function makeCommand(stage: MakeStage): string[] {
  return ['make', ...stage.args, ...stage.targets];
}

/** `cmd` through /bin/sh, as ZINC runs it. */
export function shellCommand(cmd: string): string[] {
  return ['/bin/sh', '-c', cmd];
}

/**
 * How a test case's `file` is run: python3 runs the script, java the main class (a `.class`
 * or `.java` suffix is dropped) with the JVM sized to the memory limit, anything else is an
 * executable in the work dir.
 */
export function testCommand(
  lang: LangSetting,
  file: string,
  args: string[],
  limits: SandboxLimits,
): PlannedCommand {
  if (lang.language === 'python') {
    return { command: [toolchainFor(lang), file, ...args], limits };
  }
  if (lang.language === 'java') {
    const jvm = jvmSandboxLimits(limits.memoryBytes);
    const mainClass = file.replace(/\.(class|java)$/, '').replace(/\//g, '.');
    return {
      command: ['java', ...jvm.flags, '-cp', '.', mainClass, ...args],
      limits: { ...limits, addressSpaceBytes: jvm.addressSpaceBytes },
      env: JVM_ENV,
    };
  }
  return { command: [file.startsWith('/') ? file : `./${file}`, ...args], limits };
}
