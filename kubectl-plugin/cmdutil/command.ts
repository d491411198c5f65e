// How a command is wired: commander set up to write to the factory's streams and to throw instead of exiting, and
// an action that turns parsed flags into the command's options before running it.
import { Command } from 'commander';
import { reportError } from './errors.ts';
import type { Factory } from './factory.ts';

/** Commander setup every command in the tree shares: where it writes, and errors instead of process.exit. */
export function configureCommand(command: Command, factory: Factory): Command {
  return command
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => factory.io.stdout.write(text),
      writeErr: (text) => factory.io.stderr.write(text),
      outputError: (text, write) => write(text.endsWith('\n') ? text : `${text}\n`),
    });
}

/** A new command already wired to the factory's streams (see configureCommand). */
export function newCommand(name: string, factory: Factory): Command {
  return configureCommand(new Command(name), factory);
}

/**
 * Wires a command's action: `build` turns parsed arguments into the command's options, then `runF` (tests) or
 * `run` executes them; the exit code lands on the factory.
 */
export function setAction<Options>(
  command: Command,
  factory: Factory,
  build: (args: string[], command: Command) => Options,
  run: (options: Options) => Promise<number>,
  runF?: (options: Options) => Promise<number>,
): Command {
  return command.action(async (...params: unknown[]) => {
    const self = params[params.length - 1] as Command;
    try {
      const options = build(self.args.slice(0, self.registeredArguments.length), self);
      factory.exitCode = await (runF ?? run)(options);
    } catch (err) {
      factory.exitCode = reportError(factory.io, err);
    }
  });
}

type Defined<T> = { [K in keyof T]: Exclude<T[K], undefined> };

/**
 * The entries of `values` that are set: options objects hold a key only when its flag was given, so a test can
 * compare them with what it expects and `in` tells given from not.
 */
export function definedEntries<T extends object>(values: T): Partial<Defined<T>> {
  const result: Partial<Defined<T>> = {};
  for (const key of Object.keys(values) as (keyof T)[]) {
    if (values[key] !== undefined) result[key] = values[key] as Defined<T>[keyof T];
  }
  return result;
}
