// Kuma's `status` template variable, made comparable: prints Kuma's label, equals its code, its name and its label.
import type { Comparable } from 'liquidjs';
import { heartbeatCode, kumaStatusLabel, type EventStatus } from '../event.js';
import { printed } from './printed.js';

/** The emoji variation selector: `⚠️` and `⚠` are the same sign to a person typing a template. */
const VARIATION_SELECTOR = /\uFE0F/g;

function normalize(text: string): string {
  return text.replace(VARIATION_SELECTOR, '').toLowerCase();
}

/**
 * What `status` is in a template. Kuma passes a plain string (`✅ Up`), so `{% if status == '1' %}` is never true
 * there; this value prints the same string and compares equal to `1`, `'1'`, `'up'`/`'UP'` and `'✅ Up'`.
 * It is not a Drop: LiquidJS calls `equals` on Comparables before unwrapping anything, and keeps non-Drop objects
 * whole for `case`/`contains`, while filters and output stringify it through `toString`.
 */
export class StatusValue implements Comparable {
  /** Kuma's label, as `{{ status }}` prints it. */
  readonly label: string;
  /** Kuma's heartbeat code (DOWN 0, UP 1, PENDING 2, MAINTENANCE 3); null for a test or a certificate warning. */
  readonly code: number | null;
  /** Normalized strings that compare equal: the code, the name, the label. */
  private readonly aliases: ReadonlySet<string>;

  constructor(readonly status: EventStatus) {
    this.label = kumaStatusLabel(status);
    this.code = heartbeatCode(status);
    const aliases = [status, this.label];
    if (this.code !== null) aliases.push(String(this.code));
    this.aliases = new Set(aliases.map(normalize));
  }

  /** `==` and `when`: true for the same status, its code (number or string), its name in any case, or its label. */
  equals(rhs: unknown): boolean {
    if (rhs instanceof StatusValue) return rhs.status === this.status;
    if (typeof rhs === 'number') return rhs === this.code;
    if (typeof rhs === 'string') return this.aliases.has(normalize(rhs));
    return false;
  }

  gt(rhs: unknown): boolean {
    return this.compare(rhs, (a, b) => a > b);
  }

  geq(rhs: unknown): boolean {
    return this.compare(rhs, (a, b) => a >= b);
  }

  lt(rhs: unknown): boolean {
    return this.compare(rhs, (a, b) => a < b);
  }

  leq(rhs: unknown): boolean {
    return this.compare(rhs, (a, b) => a <= b);
  }

  /** `contains`: LiquidJS calls `indexOf` on the left side, so `status contains 'Up'` searches the label as in Kuma. */
  indexOf(search: unknown): number {
    return this.label.indexOf(printed(search));
  }

  /** The `size` filter reads `length`: the label's, as for Kuma's string. */
  get length(): number {
    return this.label.length;
  }

  /** Property reads (`status.size`, `status.first`) see the label, as in Kuma. */
  toLiquid(): string {
    return this.label;
  }

  /** `{{ status }}`, string filters, `append`…: the label. */
  toString(): string {
    return this.label;
  }

  /** `{{ status | json }}`: the label as a JSON string, as in Kuma. */
  toJSON(): string {
    return this.label;
  }

  /** Ordering: by code against numbers and numeric strings, otherwise as Kuma's label string would order. */
  private compare(rhs: unknown, op: (a: number | string, b: number | string) => boolean): boolean {
    const other = rhs instanceof StatusValue ? rhs.code : rhs;
    const numeric = typeof other === 'number' ? other : typeof other === 'string' && /^-?\d+(\.\d+)?$/.test(other) ? Number(other) : null;
    if (numeric !== null) return this.code !== null && op(this.code, numeric);
    if (other === null || other === undefined) return false;
    return op(this.label, printed(other));
  }
}

const VALUES: Record<EventStatus, StatusValue> = {
  down: new StatusValue('down'),
  up: new StatusValue('up'),
  pending: new StatusValue('pending'),
  maintenance: new StatusValue('maintenance'),
  test: new StatusValue('test'),
  certificate: new StatusValue('certificate'),
};

/** The (shared, immutable) status value of an event status. */
export function statusValue(status: EventStatus): StatusValue {
  return VALUES[status];
}
