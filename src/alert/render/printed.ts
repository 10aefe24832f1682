// How Liquid prints a value: the one place that turns any template value into text.
import { toValue } from 'liquidjs';

/** A value as `{{ value }}` prints it: nil is empty, arrays are joined, objects through their own toString. */
export function printed(value: unknown): string {
  const v: unknown = toValue(value);
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(printed).join('');
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- values print through their own toString, as in Liquid (StatusValue relies on it)
  return String(v);
}
