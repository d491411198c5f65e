// Reading what a user hands a command: a file, or stdin.
import { InputError } from '../../core/index.ts';
import type { IOStreams } from './factory.ts';

/** Reads a whole input: a file path, or `-` for stdin. */
export async function readSource(source: string, io: IOStreams): Promise<string> {
  if (source === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks).toString('utf8');
  }
  const { readFile } = await import('node:fs/promises');
  try {
    return await readFile(source, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new InputError(`${source}: ${reason}`);
  }
}
