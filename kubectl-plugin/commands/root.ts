// `kubectl workflowrun`: the command tree, commander's error handling mapped to our exit codes, and the run loop
// shared by the real entry point and the tests.
import { Command, CommanderError } from 'commander';
import { EXIT_CODES_HELP, EXIT_OK, EXIT_USAGE, reportError } from '../cmdutil/errors.ts';
import { addConnectionFlags } from '../cmdutil/connection.ts';
import { configureCommand } from '../cmdutil/command.ts';
import type { Factory } from '../cmdutil/factory.ts';
import { newCompletionCommand, newCompleteCommand } from './completion.ts';
import { newCreateCommand } from './create.ts';
import { newDescribeCommand } from './describe.ts';
import { newListCommand } from './list.ts';
import { COMMAND_NAMES, isCommandName, type CommandName } from './names.ts';
import { newParamsCommand } from './params.ts';
import { newPolicyCommand } from './policy.ts';
import { newRerunCommand } from './rerun.ts';
import { newValidateCommand } from './validate.ts';
import { newWaitCommand } from './wait.ts';

export const PROGRAM = 'kubectl workflowrun';

// Each command's constructor, by the names in names.ts (the type keeps the two lists the same).
const NEW_COMMAND: Record<CommandName, (factory: Factory) => Command> = {
  create: newCreateCommand,
  rerun: newRerunCommand,
  describe: newDescribeCommand,
  list: newListCommand,
  wait: newWaitCommand,
  params: newParamsCommand,
  validate: newValidateCommand,
  policy: newPolicyCommand,
  completion: newCompletionCommand,
  __complete: newCompleteCommand,
};

/**
 * The command tree. Given the command line's first word and when that names a command, the tree holds that command
 * alone: commander parses and dispatches the line exactly as with every command there, and the others are never
 * built (a few milliseconds of commander calls at each start). Any other line (none, a flag first, an unknown
 * command) gets every command, for the help and the suggestions it prints; so does `__complete`, which walks it.
 */
export function newRootCommand(factory: Factory, firstWord?: string): Command {
  const root = new Command(PROGRAM)
    .description('Start OpenChoreo WorkflowRuns with checked parameters and follow them.')
    .usage('<command> [flags]')
    .enablePositionalOptions()
    .helpCommand(false)
    .addHelpText('after', EXIT_CODES_HELP);
  addConnectionFlags(root);
  configureCommand(root, factory);
  const names = isCommandName(firstWord) && firstWord !== '__complete' ? [firstWord] : COMMAND_NAMES;
  const commands = names.map((name) => NEW_COMMAND[name](factory));
  for (const command of commands) {
    command.addHelpText('after', EXIT_CODES_HELP);
    root.addCommand(command, command.name() === '__complete' ? { hidden: true } : {});
  }
  return root;
}

/** Runs the command line (arguments after the program name) and returns the exit code. */
export async function runCLI(
  factory: Factory,
  argv: string[],
  root: Command = newRootCommand(factory, argv[0]),
): Promise<number> {
  try {
    if (argv.length === 0 && root.commands.length > 0) {
      root.outputHelp({ error: true });
      return EXIT_USAGE;
    }
    await root.parseAsync(argv, { from: 'user' });
    return factory.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are successes; everything else commander rejects is a usage error it already printed.
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.help' ||
        err.code === 'commander.version'
      ) {
        return EXIT_OK;
      }
      return EXIT_USAGE;
    }
    return reportError(factory.io, err);
  }
}
