// Statements whose LIMIT is written in their SQL: SQLite re-plans a statement with `LIMIT ?` at every run.

/**
 * One statement per limit, prepared at its first use. SQLite (3.53, better-sqlite3 12) reads the value bound to a
 * `LIMIT ?` while planning, so binding it expires the statement, and every run parsed and planned it again: 15 µs a
 * run for the outbox's read ahead, measured. A limit in the SQL text is planned once. Every statement made is kept:
 * for limits from a small fixed set (constants in the code), never for a limit a request or a budget chooses.
 */
export function limitedStatements<S>(prepare: (limit: number) => S): (limit: number) => S {
  const byLimit = new Map<number, S>();
  return (limit) => {
    let statement = byLimit.get(limit);
    if (statement === undefined) {
      if (!Number.isSafeInteger(limit)) throw new TypeError(`a statement's limit must be an integer, not ${limit}`);
      statement = prepare(limit);
      byLimit.set(limit, statement);
    }
    return statement;
  };
}
