// Every check type by name: the compiler refuses a CheckType without its definition.
import { dns } from './dns.js';
import { http } from './http.js';
import { ping } from './ping.js';
import { pushCheck, type PushRegistry } from './push.js';
import { tcp } from './tcp.js';
import type { CheckDefinition, CheckResult, CheckType } from './types.js';

/** What the checks need from the rest of Vigie. */
export interface CheckDeps {
  /** Where the push route records pushes, and push checks read them. */
  pushes: PushRegistry;
}

/** The check definitions by type; push reads `deps.pushes`, the others need nothing. */
export function createChecks(deps: CheckDeps) {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry keeps its own target type
  return { http, tcp, dns, ping, push: pushCheck(deps.pushes) } satisfies Record<CheckType, CheckDefinition<any>>;
}

/** The map `createChecks` returns. */
export type Checks = ReturnType<typeof createChecks>;

/** A monitor's check with its fields parsed once: what the scheduler holds and runs. */
export interface PreparedCheck {
  type: CheckType;
  /** Kuma's hostnameOrURL for this monitor. */
  hostnameOrURL: string;
  /** The type's time limit (ms), for the scheduler's own AbortSignal.timeout. */
  timeout: number;
  run: (signal: AbortSignal) => Promise<CheckResult>;
}

/** Parses a monitor's fields with its type's schema (throws zod's error on bad fields) and binds the check to them. */
export function prepareCheck(definition: CheckDefinition<{ timeout: number }>, fields: unknown): PreparedCheck {
  // Any entry of `Checks` fits `definition`: a schema's output is exactly what its own run and hostnameOrURL take.
  const target = definition.schema.parse(fields);
  return {
    type: definition.type,
    hostnameOrURL: definition.hostnameOrURL(target),
    timeout: target.timeout,
    run: (signal) => definition.run(target, signal),
  };
}

export type { CheckDefinition, CheckResult, CheckType, TlsInfo } from './types.js';
export { PushRegistry, generatePushToken, parsePushQuery } from './push.js';
