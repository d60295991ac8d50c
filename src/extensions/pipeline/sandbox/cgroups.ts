// Containment by cgroups: every sandbox gets its own cgroup (memory, pids, cpu, cpuacct) with a
// `build` and a `test` child, so a run's memory (memfd, tmpfs, pipes and page cache included),
// processes and CPU are bounded and measured in total, not per process.
//
// zinc uses the cgroup v1 hierarchies when it can write them (root, as on the pipeline
// workers); otherwise the sandbox falls back to rlimits (see docs/sandbox.md). Creating a
// cgroup happens once per sandbox, never per test: a test only rewrites a few limit files.
import { processAlive } from '../../../platform/process-alive.js';
import { SandboxUnavailableError } from '../../../failures.js';
import {
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/** The controllers zinc uses, each with the folder its sandboxes' cgroups go under. */
export interface CgroupRoots {
  memory: string;
  pids: string;
  cpu: string;
  cpuacct: string;
}

/** How runs are contained on this machine. */
export type Containment =
  { mode: 'cgroup-v1'; roots: CgroupRoots } | { mode: 'rlimits'; reason: string };

const CONTROLLERS = ['memory', 'pids', 'cpu', 'cpuacct'] as const;
type Controller = (typeof CONTROLLERS)[number];
/** The folder under the process's own cgroup where zinc makes one folder per worker process. */
const ZINC_GROUP = 'zinc-sandbox';
const CFS_PERIOD_US = 100_000;

const detected = new Map<ContainmentPreference, Containment>();

/** What the `pipeline.sandbox.containment` setting asks for. */
export type ContainmentPreference = 'auto' | 'rlimits';

/**
 * The containment this process gets, detected once: cgroup v1 when every controller zinc needs
 * is mounted and writable here, else rlimits with the reason. The preference `rlimits`
 * (`pipeline.sandbox.containment`, ZINC_SANDBOX_CONTAINMENT) forces the fallback (to test it, or
 * on a machine whose cgroups zinc must not touch).
 */
export function detectContainment(preference: ContainmentPreference = 'auto'): Containment {
  let containment = detected.get(preference);
  if (containment === undefined) {
    containment = detect(preference);
    detected.set(preference, containment);
    // What sandboxes of killed workers left behind goes the first time this process looks.
    sweepCgroups(containment);
  }
  return containment;
}

function detect(preference: ContainmentPreference): Containment {
  if (preference === 'rlimits') {
    return { mode: 'rlimits', reason: 'pipeline.sandbox.containment is rlimits' };
  }
  if ((process.getuid?.() ?? 0) !== 0) {
    return { mode: 'rlimits', reason: 'zinc is not root, so it cannot create cgroups' };
  }
  let mountinfo: string;
  let own: string;
  try {
    mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
    own = readFileSync('/proc/self/cgroup', 'utf8');
  } catch (error) {
    return { mode: 'rlimits', reason: `cannot read /proc: ${String(error)}` };
  }
  const mounts = new Map<Controller, string>();
  for (const line of mountinfo.split('\n')) {
    const [, post] = line.split(' - ');
    const fields = post?.split(' ');
    if (fields?.[0] !== 'cgroup') continue;
    const options = (fields[2] ?? '').split(',');
    const mountPoint = line.split(' ')[4] ?? '';
    for (const controller of CONTROLLERS) {
      if (options.includes(controller) && !mounts.has(controller))
        mounts.set(controller, mountPoint);
    }
  }
  const paths = new Map<Controller, string>();
  for (const line of own.split('\n')) {
    const [, list, path] = line.split(':');
    for (const controller of list?.split(',') ?? []) {
      if ((CONTROLLERS as readonly string[]).includes(controller) && path !== undefined) {
        paths.set(controller as Controller, path);
      }
    }
  }
  const roots: Partial<CgroupRoots> = {};
  for (const controller of CONTROLLERS) {
    const mount = mounts.get(controller);
    if (mount === undefined) {
      return { mode: 'rlimits', reason: `no cgroup v1 ${controller} hierarchy is mounted` };
    }
    const root = join(mount, paths.get(controller) ?? '/', ZINC_GROUP);
    try {
      mkdirSync(root, { recursive: true });
    } catch (error) {
      return { mode: 'rlimits', reason: `cannot create ${root}: ${String(error)}` };
    }
    roots[controller] = root;
  }
  return { mode: 'cgroup-v1', roots: roots as CgroupRoots };
}

/** One line for zinc doctor and the worker's start-up: which containment is in force. */
export function describeContainment(containment: Containment): string {
  return containment.mode === 'cgroup-v1'
    ? 'cgroup v1 (memory, pids, cpu, cpuacct): limits and measurements per run, all processes together'
    : `rlimits only (${containment.reason}): memory per process, memfd_create refused`;
}

/** The limits a run's cgroup gets. */
export interface CgroupLimits {
  memoryBytes: number;
  processes: number;
  /** Cores the run may use at once. */
  cpus: number;
}

/** What a run's cgroup measured. */
export interface CgroupUsage {
  peakMemoryBytes: number;
  /** The memory limit was hit: the kernel's OOM killer ran, or an allocation failed. */
  oomKilled: boolean;
  limitHit: boolean;
  cpuTimeMs: number;
}

type Role = 'build' | 'test';

let sessionCounter = 0;

/** The cgroups of one sandbox: `<root>/<pid>-<n>/{build,test}` in each controller. */
export class SandboxCgroups {
  private constructor(private readonly dirs: Record<Controller, string>) {}

  /**
   * Creates the sandbox's cgroups and lets `uid` move its own processes into them. The cpu
   * controller has one cgroup for the whole sandbox, which the launcher joins once: moving a
   * process between cpu cgroups costs milliseconds here (memory, pids and cpuacct about 0.1 ms),
   * and the runs of one sandbox take turns anyway.
   */
  static create(roots: CgroupRoots, uid: number, gid: number): SandboxCgroups {
    const name = `${process.pid}-${++sessionCounter}`;
    const dirs = {} as Record<Controller, string>;
    try {
      for (const controller of CONTROLLERS) {
        const dir = join(roots[controller], name);
        dirs[controller] = dir;
        if (controller === 'cpu') {
          mkdirSync(dir, { recursive: true });
          chownSync(join(dir, 'cgroup.procs'), uid, gid);
          continue;
        }
        for (const role of ['build', 'test'] as const) {
          mkdirSync(join(dir, role), { recursive: true });
          chownSync(join(dir, role, 'cgroup.procs'), uid, gid);
        }
      }
      writeFileSync(join(dirs.cpu, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
    } catch (error) {
      new SandboxCgroups(dirs).destroy();
      throw new SandboxUnavailableError(
        `cannot create the sandbox's cgroups: ${String(error)}`,
        'cgroups',
      );
    }
    return new SandboxCgroups(dirs);
  }

  /** The sandbox's folder in each controller, by controller name (the launcher gets them open). */
  folders(): Array<[Controller, string]> {
    return CONTROLLERS.map((controller) => [controller, this.dirs[controller]]);
  }

  /** Sets a role's limits and resets its measurements; its previous run's processes are gone. */
  prepare(role: Role, limits: CgroupLimits): void {
    const memory = join(this.dirs.memory, role);
    setMemoryLimit(memory, Math.max(4 * 1024 * 1024, Math.floor(limits.memoryBytes)));
    writeFileSync(join(memory, 'memory.max_usage_in_bytes'), '0');
    writeFileSync(join(memory, 'memory.failcnt'), '0');
    this.oomBaseline[role] = oomKills(memory);
    writeFileSync(join(this.dirs.pids, role, 'pids.max'), String(Math.max(1, limits.processes)));
    const quota = Math.max(1000, Math.round(limits.cpus * CFS_PERIOD_US));
    if (quota !== this.quota) {
      writeFileSync(join(this.dirs.cpu, 'cpu.cfs_quota_us'), String(quota));
      this.quota = quota;
    }
    writeFileSync(join(this.dirs.cpuacct, role, 'cpuacct.usage'), '0');
  }

  private quota = -1;

  private readonly oomBaseline: Record<Role, number> = { build: 0, test: 0 };

  /** What the role's last run used. */
  usage(role: Role): CgroupUsage {
    const memory = join(this.dirs.memory, role);
    return {
      peakMemoryBytes: readNumber(join(memory, 'memory.max_usage_in_bytes')),
      oomKilled: oomKills(memory) > this.oomBaseline[role],
      limitHit: readNumber(join(memory, 'memory.failcnt')) > 0,
      cpuTimeMs: readNumber(join(this.dirs.cpuacct, role, 'cpuacct.usage')) / 1e6,
    };
  }

  /** Removes the cgroups (their processes are gone); what cannot be removed now is swept later. */
  destroy(): void {
    for (const controller of CONTROLLERS) {
      const dir = this.dirs[controller] as string | undefined;
      if (dir !== undefined) removeCgroup(dir);
    }
  }
}

/** Lowers or raises memory.limit_in_bytes; a lower limit than the page cache left by earlier
 * runs first empties the cgroup (no process is in it between runs). */
function setMemoryLimit(dir: string, bytes: number): void {
  const file = join(dir, 'memory.limit_in_bytes');
  try {
    writeFileSync(file, String(bytes));
  } catch {
    writeFileSync(join(dir, 'memory.force_empty'), '0');
    writeFileSync(file, String(bytes));
  }
}

function oomKills(memoryDir: string): number {
  const text = readFileSync(join(memoryDir, 'memory.oom_control'), 'utf8');
  return Number(/^oom_kill (\d+)/m.exec(text)?.[1] ?? 0);
}

function readNumber(file: string): number {
  return Number(readFileSync(file, 'utf8').trim());
}

/** rmdir a sandbox's cgroup folder and its children; false when something is still inside. */
function removeCgroup(dir: string): boolean {
  if (!existsSync(dir)) return true;
  let ok = true;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) ok = removeCgroup(join(dir, entry.name)) && ok;
  }
  try {
    rmdirSync(dir);
  } catch {
    ok = false;
  }
  return ok;
}

/**
 * Removes the cgroups that sandboxes of dead zinc processes left behind (a worker killed with
 * kill -9); returns how many were removed. Folders of live processes are left alone.
 */
export function sweepCgroups(containment: Containment = detectContainment()): number {
  if (containment.mode !== 'cgroup-v1') return 0;
  let removed = 0;
  for (const controller of CONTROLLERS) {
    const root = containment.roots[controller];
    let entries: string[] = [];
    try {
      entries = readdirSync(root);
    } catch {
      continue;
    }
    for (const name of entries) {
      const pid = Number(/^(\d+)-\d+$/.exec(name)?.[1]);
      if (!Number.isInteger(pid) || pid === process.pid || processAlive(pid)) continue;
      if (removeCgroup(join(root, name))) removed++;
    }
  }
  return removed;
}
