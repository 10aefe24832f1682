// Offsets of time zones from UTC, cached per hour, so formatting a date costs no Intl call on the hot path.
const HOUR_MS = 3_600_000;
/** Hours remembered per zone before the cache starts over (a year of distinct hours is ~9k). */
const MAX_CACHED_HOURS = 4096;
/** A fixed offset such as `+05:30` or `-0800`. */
const FIXED_OFFSET = /^([+-])(\d{2}):?(\d{2})$/;

/** Tells how far a zone's wall clock is from UTC at a given instant. */
export interface ZoneClock {
  /** The zone as configured (`Europe/Paris`, `UTC`, `+05:30`); `%Z` prints it. */
  readonly name: string;
  /** Milliseconds to add to a UTC instant to get the zone's wall-clock time at that instant. */
  offsetMs(instantMs: number): number;
}

/** A zone whose offset never changes. */
class FixedClock implements ZoneClock {
  constructor(readonly name: string, private readonly offset: number) {}
  offsetMs(): number {
    return this.offset;
  }
}

/** An IANA zone: the offset is read through Intl once per UTC hour, then cached. */
class IanaClock implements ZoneClock {
  private readonly format: Intl.DateTimeFormat;
  /** UTC hour number → offset in ms; NaN when the offset changes inside that hour (a DST transition). */
  private readonly hours = new Map<number, number>();

  constructor(readonly name: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: name, hourCycle: 'h23', era: 'short',
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
  }

  offsetMs(instantMs: number): number {
    const hour = Math.floor(instantMs / HOUR_MS);
    let offset = this.hours.get(hour);
    if (offset === undefined) {
      const first = this.exactOffset(hour * HOUR_MS);
      const last = this.exactOffset(hour * HOUR_MS + HOUR_MS - 1000);
      offset = first === last ? first : NaN;
      if (this.hours.size >= MAX_CACHED_HOURS) this.hours.clear();
      this.hours.set(hour, offset);
    }
    // Within a transition hour each instant is asked exactly; such hours are two a year.
    return Number.isNaN(offset) ? this.exactOffset(instantMs) : offset;
  }

  /** Reads the wall clock through Intl and subtracts the instant (both at whole seconds). */
  private exactOffset(instantMs: number): number {
    const seconds = instantMs - (((instantMs % 1000) + 1000) % 1000);
    const p: Record<string, number> = {};
    let bc = false;
    for (const part of this.format.formatToParts(seconds)) {
      if (part.type === 'era') bc = part.value === 'BC';
      else if (part.type !== 'literal') p[part.type] = Number(part.value);
    }
    const year = bc ? 1 - (p.year ?? 0) : (p.year ?? 0);
    const wall = Date.UTC(year, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
    // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear puts them back.
    const fixed = year >= 0 && year < 100 ? new Date(wall).setUTCFullYear(year) : wall;
    return fixed - seconds;
  }
}

const UTC_CLOCK = new FixedClock('UTC', 0);
const clocks = new Map<string, ZoneClock>([['UTC', UTC_CLOCK]]);

/** The clock of an IANA zone name or a fixed offset (`+05:30`); throws a RangeError naming a zone it does not know. */
export function zoneClock(zone: string): ZoneClock {
  let clock = clocks.get(zone);
  if (clock) return clock;
  const fixed = FIXED_OFFSET.exec(zone);
  if (fixed) {
    const minutes = Number(fixed[2]) * 60 + Number(fixed[3]);
    clock = new FixedClock(zone, (fixed[1] === '-' ? -minutes : minutes) * 60_000);
  } else {
    try {
      clock = new IanaClock(zone);
    } catch {
      throw new RangeError(`unknown time zone "${zone}": use an IANA name such as Europe/Paris or UTC, or an offset such as +05:30`);
    }
  }
  clocks.set(zone, clock);
  return clock;
}
