// The webhook's JSON log: lines collected in byte chunks and written every few milliseconds must come out whole,
// in order and as UTF-8, whatever their size, both through the timed write and through the flush at exit.
import { expect } from 'chai';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '../../webhook/log.ts';

describe('webhook log', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'webhook-log-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  function logTo(file: string) {
    const fd = openSync(file, 'w');
    const { logger, flush, drain } = createLogger('info', fd);
    return { logger, flush, drain, close: () => closeSync(fd) };
  }

  const readLines = (file: string) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it('writes every line whole and in order: multi-byte text, lines longer than a chunk, many chunks', async () => {
    const file = path.join(directory, 'log');
    const { logger, flush, close } = logTo(file);
    const expected: unknown[] = [];
    for (let index = 0; index < 2000; index++) {
      const text = index % 500 === 7 ? 'z'.repeat(100_000) : `héllo ✓ 𝄞 ${index}`;
      logger.info({ index, text }, 'line');
      expected.push({ index, text });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    logger.info({ index: 2000, text: 'after the timed write' }, 'line');
    expected.push({ index: 2000, text: 'after the timed write' });
    flush();
    close();
    expect(readLines(file).map(({ index, text }) => ({ index, text }))).to.deep.equal(expected);
  });

  it('drain() resolves once every line handed over is written, without the synchronous flush', async () => {
    const file = path.join(directory, 'log');
    const { logger, drain, close } = logTo(file);
    await drain();
    for (let index = 0; index < 500; index++) logger.info({ index, text: 'ü'.repeat(index) }, 'line');
    await drain();
    expect(readLines(file).map(({ index }) => index)).to.deep.equal([...Array(500).keys()]);
    close();
  });
});
