// The process logger: pino, JSON in production, readable in a terminal, secrets redacted by key name.
import pino, { type Logger } from 'pino';

export type { Logger };

/** Keys whose values are never written, wherever they appear in a log object. */
const REDACTED_KEYS = [
  'accessToken', 'access_token', 'token', 'password', 'authorization', 'Authorization',
  'ingestToken', 'recoveryKey', 'secret',
  // Node's HTTP parser errors carry the request's raw bytes: a path token, an Authorization header.
  'rawPacket',
];

/** Options for the root logger. */
export interface LoggerOptions {
  /** pino level; default `info`. */
  level?: string;
  /** Human-readable output (pino-pretty); default: when stdout is a terminal. */
  pretty?: boolean;
  /** Where to write; default stdout. */
  destination?: pino.DestinationStream;
  /** Write to stderr instead of stdout (one-shot commands keep stdout for their results). */
  stderr?: boolean;
}

/** Creates the root logger; components take `logger.child({ component: '…' })`. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const fd = options.stderr ? 2 : 1;
  const { level = 'info', pretty = (fd === 2 ? process.stderr : process.stdout).isTTY === true, destination } = options;
  const redact = { paths: REDACTED_KEYS.flatMap((k) => [k, `*.${k}`]), censor: '[redacted]' };
  if (destination) return pino({ level, redact }, destination);
  if (pretty) {
    const prettyOptions = { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', destination: fd };
    return pino({ level, redact, transport: { target: 'pino-pretty', options: prettyOptions } });
  }
  return pino({ level, redact }, pino.destination(fd));
}

/** A logger that writes nothing, for tests and one-shot commands. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
