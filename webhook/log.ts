// JSON logs through pino, written asynchronously (sonic-boom batches whatever accumulates while a write is under
// way) so that one line per review costs little and no line waits for a buffer to fill.
import { pino, type Level, type Logger } from 'pino';

export const LOG_LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

export interface WebhookLogger {
  logger: Logger;
  /** Writes buffered lines synchronously, for the moment before the process exits. */
  flush(): void;
}

export function createLogger(level: Level = 'info', fd = 1): WebhookLogger {
  const destination = pino.destination({ dest: fd, sync: false });
  const logger = pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return {
    logger,
    flush() {
      try {
        destination.flushSync();
      } catch {
        // Nothing more can be done for a log that cannot be written.
      }
    },
  };
}
