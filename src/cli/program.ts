// The `zinc` program: its global options, and the commands a run needs. Each command module
// loads only when its command runs: the Temporal SDK, fastify, PGlite and the AWS SDK take
// seconds to load, and most commands need few of them. Listing every command (`zinc --help`,
// suggestions for a mistyped word) needs none: each module's top-level commands and their
// one-line descriptions are written down below, and test/cli.test.ts checks them against what
// the loaded modules register, so the table cannot drift.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Help } from 'commander';
import { projectRoot } from '../platform/paths.js';

/** One top-level command as `zinc --help` lists it. */
export interface CommandListing {
  /** What the help's Commands section shows on the left, e.g. `grade [options] <collectionId>`. */
  readonly term: string;
  readonly description: string;
}

/** A command module: the top-level commands it defines, and how to load it. */
export interface CommandModule {
  /** Its top-level command words (the first word of each listing's term). */
  readonly words: readonly string[];
  readonly commands: readonly CommandListing[];
  /** Imports the module (the slow part) and returns what registers its commands on `program`. */
  load(): Promise<(program: Command) => void>;
}

function commandModule(
  commands: readonly CommandListing[],
  load: CommandModule['load'],
): CommandModule {
  return { words: commands.map((c) => c.term.split(' ')[0]!), commands, load };
}

/** Every command module, in the order `zinc --help` lists their commands. */
export const COMMAND_MODULES: readonly CommandModule[] = [
  commandModule(
    [
      {
        term: 'up [options]',
        description:
          'run the whole zinc stack, the HTTP API and the configuration service in one process until Ctrl-C (embedded Temporal unless configured)',
      },
      {
        term: 'worker [options] <component>',
        description:
          "run one component's worker until Ctrl-C: core, submission, pipeline. With --core it reads no zinc.yaml: it fetches its component's configuration from the core",
      },
    ],
    async () => (await import('./commands/up.js')).registerUp,
  ),
  commandModule(
    [
      {
        term: 'doctor [options]',
        description:
          'check that Temporal answers and every task queue is served (with no server running, starts the embedded stack for the check)',
      },
    ],
    async () => (await import('./commands/doctor.js')).registerDoctor,
  ),
  commandModule(
    [
      {
        term: 'import [options] <dir>',
        description:
          'import deliveries: <dir> holds one folder or archive per delivery, named <studentId> or <studentId>@<ISO time>',
      },
      { term: 'user', description: 'course members' },
      { term: 'collections', description: 'collections of deliveries' },
      { term: 'deliveries', description: 'deliveries of a collection' },
    ],
    async () => (await import('./commands/submission.js')).registerSubmissionCommands,
  ),
  commandModule([{ term: 'config', description: 'grading configs' }], async () => {
    const [{ registerConfigValidate }, { registerConfigAdd }] = await Promise.all([
      import('./commands/config-validate.js'),
      import('./commands/config-add.js'),
    ]);
    return (program) => {
      const configCommand = program.command('config').description('grading configs');
      registerConfigValidate(configCommand);
      registerConfigAdd(configCommand);
    };
  }),
  commandModule(
    [
      {
        term: 'grade [options] <collectionId>',
        description:
          "grade every student's latest delivery in a collection, with a live progress bar",
      },
      {
        term: 'batch',
        description:
          'batches: list, status, watch, pause, resume, cancel, terminate, results, diff, release',
      },
    ],
    async () => {
      const [{ registerGradeCommands }, { registerResults }, { registerReleaseCommands }] =
        await Promise.all([
          import('./commands/grade.js'),
          import('./commands/results.js'),
          import('./commands/release.js'),
        ]);
      return (program) => {
        const batch = registerGradeCommands(program);
        registerResults(batch);
        registerReleaseCommands(batch);
      };
    },
  ),
  commandModule(
    [
      {
        term: 'schedule',
        description: 'grading at the deadline: Temporal Schedules that start a batch',
      },
    ],
    async () => (await import('./commands/schedule.js')).registerScheduleCommands,
  ),
  commandModule(
    [
      {
        term: 'demo [options]',
        description:
          'create a demo course (C++ assignment, 60 students covering every verdict), grade it, print the summary',
      },
    ],
    async () => (await import('./commands/demo.js')).registerDemo,
  ),
  commandModule(
    [
      {
        term: 'try [options] <config.yaml> <delivery>',
        description:
          'grade one delivery (folder or archive) with a grading config on this machine (sandboxed, no Temporal)',
      },
    ],
    async () => (await import('./commands/try.js')).registerTry,
  ),
  commandModule(
    [{ term: 'report', description: 'stored grading reports: show one as zinc try prints it' }],
    async () => (await import('./commands/report.js')).registerReportCommands,
  ),
  commandModule(
    [
      {
        term: 'api [options]',
        description:
          'serve the HTTP API until Ctrl-C (with the embedded stack when no Temporal runs)',
      },
    ],
    async () => (await import('./commands/api.js')).registerApi,
  ),
  commandModule(
    [{ term: 'token', description: 'API and worker tokens (Authorization: Bearer <token>)' }],
    async () => (await import('./commands/token.js')).registerTokenCommands,
  ),
  commandModule(
    [
      {
        term: 'audit [options]',
        description: 'the audit log: who did what, when, and how it ended',
      },
    ],
    async () => (await import('./commands/audit.js')).registerAudit,
  ),
  commandModule(
    [
      {
        term: 'events',
        description:
          "zinc's events on NATS (submission.received, grading.completed, batch.completed)",
      },
    ],
    async () => (await import('./commands/events.js')).registerEventsCommands,
  ),
];

/**
 * What a run with these arguments needs: the command modules to load (`load`), and whether
 * commander may list or suggest every command (`listAll`: the others then stand in as their
 * table rows, loading nothing).
 */
export interface CommandPlan {
  readonly load: readonly CommandModule[];
  readonly listAll: boolean;
}

const moduleOf = (word: string | undefined): CommandModule | undefined =>
  word === undefined ? undefined : COMMAND_MODULES.find((m) => m.words.includes(word));

/**
 * The plan for these arguments (argv without node and the script), reading them as commander
 * reads them for `program`, whose own options it recognises anywhere: the module of the command
 * word; nothing for --version, which commander answers as it parses; `help <word>` loads the
 * word's module beside the list; every command listed whenever commander may print the
 * program's help, usage or suggestions instead (no command word, an unknown one, an option
 * before the command word that the program does not know, such as --help, or a program option
 * missing its value).
 */
export function commandPlan(program: Command, args: readonly string[]): CommandPlan {
  const everything: CommandPlan = { load: [], listAll: true };
  const programOption = (flag: string) =>
    program.options.find((o) => o.long === flag || o.short === flag);
  const looksLikeOption = (arg: string) => arg.length > 1 && arg.startsWith('-'); // as commander
  let word: string | undefined;
  let next: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      if (word === undefined) {
        word = args[i + 1]; // commander reads no option after `--`
        next = args[i + 2];
      }
      break;
    }
    const option = programOption(arg);
    if (option?.long === '--version') return { load: [], listAll: false };
    if (option?.required) {
      if (i + 1 === args.length) return everything; // "argument missing", then the help
      i++; // its value, whatever it looks like
    } else if (option?.optional) {
      if (i + 1 < args.length && !looksLikeOption(args[i + 1]!)) i++;
    } else if (option === undefined && looksLikeOption(arg)) {
      const withValue = /^(--[^=]+)=/.exec(arg)?.[1];
      const known = withValue !== undefined && programOption(withValue)?.isBoolean() === false;
      if (word === undefined && !known) return everything;
    } else if (option === undefined) {
      if (word === undefined) {
        word = arg;
        next = args[i + 1];
      }
    }
  }
  if (word === 'help') {
    const asked = moduleOf(next);
    return { load: asked ? [asked] : [], listAll: true };
  }
  const module = moduleOf(word);
  return module === undefined ? everything : { load: [module], listAll: false };
}

function version(): string {
  const pkg = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/**
 * Registers a module's commands as its table rows: listed and suggested like the real ones. Should
 * commander ever run one, the real program is built and parses the same arguments instead.
 */
function registerListings(
  program: Command,
  module: CommandModule,
  terms: Map<Command, string>,
  args: readonly string[],
): void {
  for (const listing of module.commands) {
    const command = program
      .command(listing.term.split(' ')[0]!)
      .description(listing.description)
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .action(async () => {
        await (await buildProgram(args, { loadAll: true })).parseAsync([...args], { from: 'user' });
      });
    terms.set(command, listing.term);
  }
}

/** The program, with the commands that `args` (argv without node and the script) needs. */
export async function buildProgram(
  args: readonly string[],
  options: { loadAll?: boolean } = {},
): Promise<Command> {
  const program = new Command('zinc')
    .description('zinc: batch grading for programming courses, orchestrated by Temporal')
    .version(version(), '-V, --version')
    .option('--data-dir <dir>', 'where embedded state lives (env ZINC_DATA_DIR; default ./.zinc)')
    .option(
      '--config <file>',
      'YAML configuration file (env ZINC_CONFIG; default ./zinc.yaml if present)',
    )
    .showHelpAfterError();
  const plan: CommandPlan = options.loadAll
    ? { load: COMMAND_MODULES, listAll: true }
    : commandPlan(program, args);
  const registrars = new Map(
    await Promise.all(plan.load.map(async (m) => [m, await m.load()] as const)),
  );
  const terms = new Map<Command, string>();
  for (const module of COMMAND_MODULES) {
    const register = registrars.get(module);
    if (register) register(program);
    else if (plan.listAll) registerListings(program, module, terms, args);
  }
  if (terms.size > 0) {
    program.configureHelp({
      subcommandTerm(this: Help, command: Command): string {
        return terms.get(command) ?? Help.prototype.subcommandTerm.call(this, command);
      },
    });
  }
  return program;
}
