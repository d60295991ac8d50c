// Which toolchain versions this machine has (g++, gcc, python3, javac), asked of the programs
// themselves. Kept apart from parsing so parsing stays pure and testable without processes.
import { spawnSync } from 'node:child_process';
import { toolchainFor } from './lang.js';
import type { ToolchainCheck, ToolchainInfo } from './lang.js';
import type { LangSetting } from './types.js';

/** How each program prints its version (javac takes a single dash). */
const VERSION_FLAGS: Record<string, string> = {
  gcc: '--version',
  'g++': '--version',
  python3: '--version',
  javac: '-version',
};

/** Runs the lang's toolchain with its version flag and reports whether it is there and its version. */
export function detectToolchain(lang: LangSetting): ToolchainInfo {
  const tool = toolchainFor(lang);
  const flag = VERSION_FLAGS[tool] ?? '--version';
  // Older programs print the version on stderr (python 2, javac 8), so both streams are read.
  const run = spawnSync(tool, [flag], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 15_000,
    // The sandbox's PATH: a toolchain only in /usr/local or a home folder is not there for runs.
    env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' },
  });
  // Missing, not executable, or it ran and failed (a pyenv shim with no python): unusable here.
  if (run.error !== undefined || run.status !== 0) return { tool, present: false };
  const output = `${run.stdout}\n${run.stderr}`;
  const version = parseVersionOutput(output);
  return version === undefined ? { tool, present: true } : { tool, present: true, version };
}

/** A ToolchainCheck that asks each program once per process (versions do not change under us often). */
export function createToolchainCheck(): ToolchainCheck {
  const cache = new Map<string, ToolchainInfo>();
  return (lang) => {
    const tool = toolchainFor(lang);
    let info = cache.get(tool);
    if (info === undefined) {
      info = detectToolchain(lang);
      cache.set(tool, info);
    }
    return info;
  };
}

/**
 * The version in a `--version` banner: `g++ (Debian 12.2.0-14) 12.2.0` gives 12.2.0, `Python
 * 3.11.7` 3.11.7, `javac 17.0.15` 17.0.15. JVM notices (`Picked up JAVA_TOOL_OPTIONS`) are skipped.
 */
export function parseVersionOutput(output: string): string | undefined {
  for (const line of output.split('\n')) {
    if (line.trim() === '' || line.startsWith('Picked up')) continue;
    // Drop the program's own name first: `x86_64-linux-gnu-gcc-12` must not read as version 12.
    const rest = line.trim().replace(/^\S+\s*/, '');
    const match = /(?:^|[\s(])(\d+(?:\.\d+)*)/.exec(rest);
    if (match) return match[1];
  }
  return undefined;
}
