// The `zinc` program: its global options, and the commands a run needs. Each command module
// loads only when its command runs (or when commander must list or suggest every command): the
// Temporal SDK, fastify, PGlite and the AWS SDK take seconds to load, and most commands need few
// of them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { projectRoot } from '../platform/paths.js';

/** A command module: the top-level command words it defines, and how to load it. */
export interface CommandModule {
  readonly words: readonly string[];
  /** Imports the module (the slow part) and returns what registers its commands on `program`. */
  load(): Promise<(program: Command) => void>;
}

/** Every command module, in the order `zinc --help` lists their commands. */
export const COMMAND_MODULES: readonly CommandModule[] = [
  {
    words: ['up', 'worker'],
    load: async () => (await import('./commands/up.js')).registerUp,
  },
  {
    words: ['doctor'],
    load: async () => (await import('./commands/doctor.js')).registerDoctor,
  },
  {
    words: ['import', 'user', 'collections', 'deliveries'],
    load: async () => (await import('./commands/submission.js')).registerSubmissionCommands,
  },
  {
    words: ['config'],
    load: async () => {
      const [{ registerConfigValidate }, { registerConfigAdd }] = await Promise.all([
        import('./commands/config-validate.js'),
        import('./commands/config-add.js'),
      ]);
      return (program) => {
        const configCommand = program.command('config').description('grading configs');
        registerConfigValidate(configCommand);
        registerConfigAdd(configCommand);
      };
    },
  },
  {
    words: ['grade', 'batch'],
    load: async () => {
      const [{ registerGradeCommands }, { registerResults }] = await Promise.all([
        import('./commands/grade.js'),
        import('./commands/results.js'),
      ]);
      return (program) => registerResults(registerGradeCommands(program));
    },
  },
  {
    words: ['schedule'],
    load: async () => (await import('./commands/schedule.js')).registerScheduleCommands,
  },
  {
    words: ['demo'],
    load: async () => (await import('./commands/demo.js')).registerDemo,
  },
  {
    words: ['try'],
    load: async () => (await import('./commands/try.js')).registerTry,
  },
  {
    words: ['api'],
    load: async () => (await import('./commands/api.js')).registerApi,
  },
  {
    words: ['token'],
    load: async () => (await import('./commands/token.js')).registerTokenCommands,
  },
  {
    words: ['audit'],
    load: async () => (await import('./commands/audit.js')).registerAudit,
  },
  {
    words: ['events'],
    load: async () => (await import('./commands/events.js')).registerEventsCommands,
  },
];

/**
 * The command modules a run with these arguments (argv without node and the script) needs,
 * reading them as commander reads them for `program`, whose own options it recognises anywhere:
 * the module of the command word; none for --version, which commander answers as it parses;
 * every module whenever commander may print the program's help, usage or suggestions instead
 * (no command word, an unknown one, `help`, an option before the command word that the program
 * does not know, such as --help, or a program option missing its value).
 */
export function commandModulesFor(
  program: Command,
  args: readonly string[],
): readonly CommandModule[] {
  const programOption = (flag: string) =>
    program.options.find((o) => o.long === flag || o.short === flag);
  const looksLikeOption = (arg: string) => arg.length > 1 && arg.startsWith('-'); // as commander
  let word: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      word ??= args[i + 1]; // commander reads no option after `--`
      break;
    }
    const option = programOption(arg);
    if (option?.long === '--version') return [];
    if (option?.required) {
      if (i + 1 === args.length) return COMMAND_MODULES; // "argument missing", then the help
      i++; // its value, whatever it looks like
    } else if (option?.optional) {
      if (i + 1 < args.length && !looksLikeOption(args[i + 1]!)) i++;
    } else if (option === undefined && looksLikeOption(arg)) {
      const withValue = /^(--[^=]+)=/.exec(arg)?.[1];
      const known = withValue !== undefined && programOption(withValue)?.isBoolean() === false;
      if (word === undefined && !known) return COMMAND_MODULES;
    } else if (option === undefined) {
      word ??= arg;
    }
  }
  const module =
    word === undefined ? undefined : COMMAND_MODULES.find((m) => m.words.includes(word));
  return module === undefined ? COMMAND_MODULES : [module];
}

function version(): string {
  const pkg = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** The program, with the commands that `args` (argv without node and the script) needs. */
export async function buildProgram(args: readonly string[]): Promise<Command> {
  const program = new Command('zinc')
    .description('zinc: batch grading for programming courses, orchestrated by Temporal')
    .version(version(), '-V, --version')
    .option('--data-dir <dir>', 'where embedded state lives (env ZINC_DATA_DIR; default ./.zinc)')
    .option(
      '--config <file>',
      'YAML configuration file (env ZINC_CONFIG; default ./zinc.yaml if present)',
    )
    .showHelpAfterError();
  const registrars = await Promise.all(commandModulesFor(program, args).map((m) => m.load()));
  for (const register of registrars) register(program);
  return program;
}
