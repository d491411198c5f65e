// JSON logs through pino, written asynchronously by sonic-boom, at most every FLUSH_INTERVAL_MS. Handing sonic-boom
// each line, or each event-loop turn's lines, as they come cost more per review than formatting the line: under
// load every few lines became one `fs.write` through libuv's thread pool (a string copy and a thread handoff each),
// and sonic-boom measures the byte length of its whole pending buffer on every write. Collecting the lines for a
// few milliseconds makes the write cost per line negligible, and no line waits longer than that for its write.
//
// Each line is encoded into a byte buffer as it arrives. pino builds a line by concatenation, a rope of dozens of
// small strings; joining hundreds of them at flush time meant flattening every rope after its pieces had left the
// CPU cache, which (profiled under load) cost more than formatting the lines.
import { writeSync } from 'node:fs';
import { pino, type Level, type Logger } from 'pino';

export const LOG_LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

const FLUSH_INTERVAL_MS = 10;
/**
 * Lines are encoded into chunks of this size; a line that might need more bytes than a chunk holds (over a third of
 * it in UTF-16 units, as UTF-8 takes up to three bytes for one) gets a buffer of its own.
 */
const CHUNK_BYTES = 64 * 1024;

export interface WebhookLogger {
  logger: Logger;
  /** Hands the collected lines to the writer and resolves once everything handed over is written. */
  drain(): Promise<void>;
  /** Writes buffered lines synchronously, for the moment before the process exits. */
  flush(): void;
}

type SonicBoom = ReturnType<typeof pino.destination>;

/** A pino destination that collects lines and hands them to sonic-boom in one write every few milliseconds. */
class IntervalDestination {
  readonly #fd: number;
  readonly #destination: SonicBoom;
  /** Filled chunks and long lines, in order, waiting for the next write. */
  #pending: Buffer[] = [];
  #chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  #used = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Bytes handed to sonic-boom and bytes it reports written: a write is in flight while they differ. */
  #handed = 0;
  #written = 0;

  constructor(fd: number) {
    this.#fd = fd;
    this.#destination = pino.destination({ dest: fd, sync: false, contentMode: 'buffer' });
    this.#destination.on('write', (bytes: number) => {
      this.#written += bytes;
    });
  }

  write(line: string): boolean {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const mostBytes = line.length * 3;
    if (this.#used + mostBytes > this.#chunk.length) {
      this.#retireChunk();
      if (mostBytes > this.#chunk.length) this.#pending.push(Buffer.from(line));
    }
    if (mostBytes <= this.#chunk.length) this.#used += this.#chunk.write(line, this.#used);
    // Unreferenced: lines waiting for their write do not keep the process alive; the exit hook writes them.
    this.#timer ??= setTimeout(this.#release, FLUSH_INTERVAL_MS).unref();
    return true;
  }

  /** Moves the filled part of the current chunk to the pending list; the chunk is reused or replaced. */
  #retireChunk(): void {
    if (this.#used === 0) return;
    if (this.#used < CHUNK_BYTES / 2) {
      // Copied out, so that a quiet log waiting on a slow reader holds its lines' bytes, not a chunk per write.
      this.#pending.push(Buffer.from(this.#chunk.subarray(0, this.#used)));
    } else {
      this.#pending.push(this.#chunk.subarray(0, this.#used));
      this.#chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    }
    this.#used = 0;
  }

  #takePending(): Buffer[] {
    this.#retireChunk();
    const pending = this.#pending;
    this.#pending = [];
    return pending;
  }

  readonly #release = (): void => {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const bytes of this.#takePending()) {
      this.#handed += bytes.length;
      // In buffer mode sonic-boom takes Buffers; its typings only know strings.
      this.#destination.write(bytes as unknown as string);
    }
  };

  drain(): Promise<void> {
    this.#release();
    if (this.#written >= this.#handed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.#destination.off('write', progress);
        this.#destination.off('error', done);
        resolve();
      };
      // Runs after the constructor's listener has counted the bytes.
      const progress = (): void => {
        if (this.#written >= this.#handed) done();
      };
      this.#destination.on('write', progress);
      // A log that cannot be written is not waited for.
      this.#destination.once('error', done);
    });
  }

  /**
   * sonic-boom's backlog, then the collected lines, written at once: nothing would run a write started now. A write
   * still in flight at that moment is not waited for (drain() first when there is time to).
   */
  flushSync(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#destination.flushSync();
    for (let rest of this.#takePending()) {
      while (rest.length > 0) rest = rest.subarray(writeSync(this.#fd, rest));
    }
  }
}

// pino's isoTime formats a Date for every line; under load many lines share a millisecond, and so their text.
let isoTimeMs = Number.NaN;
let isoTimeField = '';
function isoTime(): string {
  const now = Date.now();
  if (now !== isoTimeMs) {
    isoTimeMs = now;
    isoTimeField = `,"time":"${new Date(now).toISOString()}"`;
  }
  return isoTimeField;
}

export function createLogger(level: Level = 'info', fd = 1): WebhookLogger {
  const destination = new IntervalDestination(fd);
  const logger = pino(
    {
      level,
      base: undefined,
      timestamp: isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  const flush = (): void => {
    try {
      destination.flushSync();
    } catch {
      // Nothing more can be done for a log that cannot be written.
    }
  };
  // pino flushes its own destination on exit; the lines collected since the last write are ours to flush.
  process.once('exit', flush);
  return { logger, flush, drain: () => destination.drain() };
}
