// The plugin's commands by name, in the order `--help` lists them. Apart from commands/root.ts so that the
// executables (launch.ts) know them without loading a single command.
export const COMMAND_NAMES = [
  'create',
  'rerun',
  'describe',
  'list',
  'wait',
  'params',
  'validate',
  'policy',
  'completion',
  '__complete',
] as const;

export type CommandName = (typeof COMMAND_NAMES)[number];

export function isCommandName(word: string | undefined): word is CommandName {
  return (COMMAND_NAMES as readonly (string | undefined)[]).includes(word);
}
