// The one error type of the configuration boundary: it names the file, the line and the field at fault.

/** A problem in the configuration file; `message` reads `vigie.yaml:12: matrix.msgtype: expected …`. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** What is wrong and what to do, without the file:line:field prefix. */
  readonly reason: string;
  /** Further problems found in the same pass (their text is also appended to `message`). */
  readonly others: readonly ConfigError[];

  constructor(
    /** The configuration file, as the user named it. */
    readonly file: string,
    /** 1-based line of the offending field, when known. */
    readonly line: number | undefined,
    /** Dotted path of the field, e.g. `routes[0].rooms`, when the problem has one. */
    readonly field: string | undefined,
    message: string,
    options: { cause?: unknown; others?: readonly ConfigError[] } = {},
  ) {
    const others = options.others ?? [];
    const lines = [formatProblem(file, line, field, message), ...others.map((e) => e.message)];
    super(lines.join('\n'), options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = message;
    this.others = others;
  }

  /** One error standing for several problems (sorted by line): the first leads, the rest follow it. */
  static combine(errors: readonly ConfigError[]): ConfigError {
    const sorted = [...errors].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    const [first, ...rest] = sorted;
    if (!first) throw new Error('ConfigError.combine needs at least one error');
    if (rest.length === 0) return first;
    return new ConfigError(first.file, first.line, first.field, first.reason, { cause: first.cause, others: rest });
  }
}

/** `file:line: field: message`, leaving out the parts that are unknown (also used for warnings). */
export function formatProblem(file: string, line: number | undefined, field: string | undefined, message: string): string {
  const where = line === undefined ? file : `${file}:${line}`;
  return field === undefined ? `${where}: ${message}` : `${where}: ${field}: ${message}`;
}
