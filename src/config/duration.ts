// Durations in the config file ("30s", "5m", "1h30m", "500ms", or a bare number of seconds), as milliseconds.

/** What a duration looks like, for error messages and the JSON Schema. */
export const DURATION_HINT = 'expected a duration like 30s, 5m or 1h';

/** A duration written as text: one or more `<number><unit>` parts, or a bare number of seconds. */
export const DURATION_PATTERN = '^\\s*(?:(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d))+|\\d+(?:\\.\\d+)?)\\s*$';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_RE = new RegExp(DURATION_PATTERN);
const PART_RE = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** Parses a duration to whole milliseconds; throws a RangeError naming the expected form. */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`${DURATION_HINT}, got ${value}`);
    return Math.round(value * 1000);
  }
  if (!DURATION_RE.test(value)) throw new RangeError(`${DURATION_HINT}, got ${JSON.stringify(value)}`);
  const text = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(PART_RE)) ms += Number(amount) * (UNIT_MS[unit ?? 's'] ?? 1000);
  return Math.round(ms);
}

/** Writes milliseconds the way the config file does ("1h30m", "500ms"), for logs and messages. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.round(ms);
  let out = '';
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const size = UNIT_MS[unit] ?? 1;
    const count = Math.floor(rest / size);
    if (count > 0) out += `${count}${unit}`;
    rest -= count * size;
  }
  return out;
}
