// The `zinc` command.
import { failureSpec } from '../failures.js';
import { buildProgram } from './program.js';

try {
  await (await buildProgram(process.argv.slice(2))).parseAsync(process.argv);
} catch (err) {
  const error = err as Error;
  // zinc's own failures say all a user needs; anything else is a bug and gets its stack.
  const spec = failureSpec(error.name);
  process.stderr.write(`zinc: ${spec ? error.message : (error.stack ?? String(error))}\n`);
  process.exitCode = spec?.exit ?? 1;
}
