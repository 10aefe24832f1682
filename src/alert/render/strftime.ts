// strftime over a zone clock: the directives and flags of LiquidJS's `date`, with formats parsed once and cached.
import type { ZoneClock } from './zone-clock.js';

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
  'September', 'October', 'November', 'December'];
/** Widths above this are cut down, so `%999999999d` cannot allocate without bound. */
const MAX_WIDTH = 64;
/** Distinct format strings remembered before the cache starts over. */
const MAX_CACHED_FORMATS = 256;
/** One directive: `%` flags width [E|O] conversion, as LiquidJS reads it. */
const DIRECTIVE = /%([-_0^#:]+)?(\d+)?[EO]?(.)/g;

/** Default zero-padding width per conversion (LiquidJS's table). */
const PAD_WIDTHS: Record<string, number> = { C: 2, d: 2, e: 2, H: 2, I: 2, j: 3, k: 2, l: 2, L: 3, m: 2, M: 2, S: 2, U: 2, W: 2, y: 2, Y: 4 };
/** Conversions padded with spaces rather than zeros. */
const SPACE_PADDED = new Set('aAbBceklpP');

/** A date broken down in a zone's wall clock. */
interface Wall {
  /** The zone's wall time, read with getUTC* getters. */
  readonly d: Date;
  readonly instantMs: number;
  readonly offsetMs: number;
  readonly zone: string;
}

type Conversion = (w: Wall, colon: boolean) => string | number;

function dayOfYear(d: Date): number {
  return Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
}

function weekOfYear(d: Date, startDay: number): number {
  const sinceStart = (d.getUTCDay() - startDay + 7) % 7;
  return Math.floor((dayOfYear(d) - 1 - sinceStart + 7) / 7);
}

function ordinal(day: number): string {
  if (day >= 11 && day <= 13) return 'th';
  return ['th', 'st', 'nd', 'rd'][day % 10] ?? 'th';
}

function offsetText(offsetMs: number, colon: boolean): string {
  const minutes = Math.trunc(Math.abs(offsetMs) / 60_000);
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return (offsetMs < 0 ? '-' : '+') + hh + (colon ? ':' : '') + mm;
}

const CONVERSIONS: Record<string, Conversion> = {
  a: (w) => DAY_NAMES[w.d.getUTCDay()]!.slice(0, 3),
  A: (w) => DAY_NAMES[w.d.getUTCDay()]!,
  b: (w) => MONTH_NAMES[w.d.getUTCMonth()]!.slice(0, 3),
  h: (w) => MONTH_NAMES[w.d.getUTCMonth()]!.slice(0, 3),
  B: (w) => MONTH_NAMES[w.d.getUTCMonth()]!,
  c: (w) => formatWall(w, '%a %b %e %H:%M:%S %Y'),
  C: (w) => Math.floor(w.d.getUTCFullYear() / 100),
  d: (w) => w.d.getUTCDate(),
  e: (w) => w.d.getUTCDate(),
  H: (w) => w.d.getUTCHours(),
  I: (w) => w.d.getUTCHours() % 12 || 12,
  j: (w) => dayOfYear(w.d),
  k: (w) => w.d.getUTCHours(),
  l: (w) => w.d.getUTCHours() % 12 || 12,
  L: (w) => w.d.getUTCMilliseconds(),
  m: (w) => w.d.getUTCMonth() + 1,
  M: (w) => w.d.getUTCMinutes(),
  N: (w) => String(w.d.getUTCMilliseconds()).padStart(3, '0'),
  p: (w) => (w.d.getUTCHours() < 12 ? 'AM' : 'PM'),
  P: (w) => (w.d.getUTCHours() < 12 ? 'am' : 'pm'),
  q: (w) => ordinal(w.d.getUTCDate()),
  s: (w) => Math.floor(w.instantMs / 1000),
  S: (w) => w.d.getUTCSeconds(),
  u: (w) => w.d.getUTCDay() || 7,
  U: (w) => weekOfYear(w.d, 0),
  w: (w) => w.d.getUTCDay(),
  W: (w) => weekOfYear(w.d, 1),
  x: (w) => formatWall(w, '%m/%d/%y'),
  X: (w) => formatWall(w, '%H:%M:%S'),
  y: (w) => ((w.d.getUTCFullYear() % 100) + 100) % 100,
  Y: (w) => w.d.getUTCFullYear(),
  z: (w, colon) => offsetText(w.offsetMs, colon),
  Z: (w) => w.zone,
  t: () => '\t',
  n: () => '\n',
  '%': () => '%',
};

/** A parsed directive; literal text between directives is kept as plain strings. */
interface Directive {
  readonly convert: Conversion;
  readonly conversion: string;
  readonly flags: string;
  readonly width: number;
}

type Piece = string | Directive;

const formats = new Map<string, Piece[]>();

function parseFormat(format: string): Piece[] {
  const pieces: Piece[] = [];
  let last = 0;
  for (const m of format.matchAll(DIRECTIVE)) {
    const [text, flags = '', width, conversion = ''] = m;
    const convert = CONVERSIONS[conversion];
    if (m.index > last) pieces.push(format.slice(last, m.index));
    last = m.index + text.length;
    // An unknown conversion stays as written, as in LiquidJS.
    if (!convert) pieces.push(text);
    else pieces.push({ convert, conversion, flags, width: Math.min(Number(width ?? 0), MAX_WIDTH) });
  }
  if (last < format.length) pieces.push(format.slice(last));
  return pieces;
}

function applyDirective(w: Wall, p: Directive): string {
  // %N is fractional seconds: the width is the number of digits, not padding.
  if (p.conversion === 'N') return (String(w.d.getUTCMilliseconds()).padStart(3, '0') + '000000').slice(0, p.width || 9).padEnd(p.width, '0');
  let text = String(p.convert(w, p.flags.includes(':')));
  if (p.flags === '' && p.width === 0) {
    const width = PAD_WIDTHS[p.conversion] ?? 0;
    if (width === 0) return text;
    return text.padStart(width, SPACE_PADDED.has(p.conversion) ? ' ' : '0');
  }
  if (p.flags.includes('^')) text = text.toUpperCase();
  else if (p.flags.includes('#')) text = /[a-z]/.test(text) ? text.toUpperCase() : text.toLowerCase();
  if (p.flags.includes('-')) return text;
  let pad = SPACE_PADDED.has(p.conversion) ? ' ' : '0';
  if (p.flags.includes('_')) pad = ' ';
  else if (p.flags.includes('0')) pad = '0';
  const width = p.width || (PAD_WIDTHS[p.conversion] ?? 0);
  if (pad === '0' && text.startsWith('-')) return '-' + text.slice(1).padStart(width - 1, pad);
  return text.padStart(width, pad);
}

function formatWall(w: Wall, format: string): string {
  let pieces = formats.get(format);
  if (!pieces) {
    pieces = parseFormat(format);
    if (formats.size >= MAX_CACHED_FORMATS) formats.clear();
    formats.set(format, pieces);
  }
  let out = '';
  for (const piece of pieces) out += typeof piece === 'string' ? piece : applyDirective(w, piece);
  return out;
}

/** Formats a UTC instant (ms) with a strftime format, in the wall-clock time of `clock`'s zone. */
export function strftime(instantMs: number, format: string, clock: ZoneClock): string {
  const offsetMs = clock.offsetMs(instantMs);
  const wall: Wall = { d: new Date(instantMs + offsetMs), instantMs, offsetMs, zone: clock.name };
  return formatWall(wall, format);
}
