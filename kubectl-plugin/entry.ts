// The process around a command line: the real factory, an exit code, and nothing left hanging (keep-alive
// connections, an unfinished watch) once the command has answered.
import { runCLI } from './commands/root.ts';
import { systemFactory } from './cmdutil/factory.ts';

export async function main(argv: string[]): Promise<void> {
  // `kubectl workflowrun list | head` closes the pipe early; that is not an error worth a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  let code: number;
  try {
    code = await runCLI(systemFactory(), argv);
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message.split('\n', 1)[0] : String(err)}\n`);
    code = 1;
  }
  // A write's callback runs after every earlier write is flushed, so exiting there loses no output.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}
