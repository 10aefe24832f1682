// What each `!vigie` command does, given the pieces it acts on; returns the text of the answer.
import { formatDuration } from '../config/duration.js';
import type { Acknowledger, AckOutcome } from './acknowledger.js';
import { USAGE, type Command } from './commands.js';
import type { Mute } from './mutes.js';
import { clockTime, statusText, type MonitorStatus } from './status-text.js';

/** A monitor as mute targets are matched against it. */
export interface KnownMonitor extends MonitorStatus {
  tags: readonly string[];
}

/** What commands act on; app.ts provides it (the engine's snapshot, part A's incidents, the mute store). */
export interface CommandDeps {
  /** Every monitor with its status (the engine's snapshot); empty without monitors. */
  monitors(): readonly KnownMonitor[];
  acknowledger: Acknowledger;
  mutes: {
    mute(target: string, untilMs: number, by: string): Mute;
    unmute(target: string): boolean;
    active(): Mute[];
  };
  /** IANA zone of the times in answers. */
  timezone: string;
  now(): number;
}

/** Who asked, and where. */
export interface CommandContext {
  roomId: string;
  sender: string;
}

/** Runs a parsed command; the text is posted as a reply. */
export async function runCommand(command: Command, ctx: CommandContext, deps: CommandDeps): Promise<string> {
  switch (command.kind) {
    case 'help': return helpText(command.problem);
    case 'status': {
      // Outages of other sources (Uptime Kuma) are known by their incidents; Vigie's own by their monitors.
      const incidents = (await deps.acknowledger.openIn?.(ctx.roomId)) ?? [];
      return statusText(deps.monitors(), deps.mutes.active(), deps.now(), deps.timezone, incidents);
    }
    case 'ack': return ackText(command.monitor, await deps.acknowledger.ackMonitor(ctx.roomId, command.monitor, ctx.sender));
    case 'mute': return mute(command.target, command.durationMs, ctx.sender, deps);
    case 'unmute': return unmute(command.target, deps);
  }
}

/** The usage, after the reason when the command was not understood. */
export function helpText(problem?: string): string {
  return [...(problem ? [`Sorry, ${problem}.`] : []), 'Vigie understands:', ...USAGE].join('\n');
}

function ackText(monitor: string, outcome: AckOutcome): string {
  if (outcome.result === 'acked') return `👍 Acknowledged: ${outcome.monitors.join(', ')}. Resends stop until it recovers.`;
  if (outcome.result === 'already') return `${monitor} was already acknowledged by ${outcome.by}.`;
  return `${monitor} has no open incident here.`;
}

/** The monitors a target holds: the one of that name, and those with that tag. */
function held(target: string, monitors: readonly KnownMonitor[]): string[] {
  return monitors.filter((m) => m.name === target || m.tags.includes(target)).map((m) => m.name);
}

/** The monitor name or tag a typed target means, as configured ("api" for "API"); the target itself if none. */
function canonical(target: string, monitors: readonly KnownMonitor[]): string {
  const wanted = target.toLowerCase();
  const names = [...monitors.map((m) => m.name), ...monitors.flatMap((m) => m.tags)];
  return names.find((name) => name === target) ?? names.find((name) => name.toLowerCase() === wanted) ?? target;
}

function mute(typed: string, durationMs: number, by: string, deps: CommandDeps): string {
  const target = canonical(typed, deps.monitors());
  const names = held(target, deps.monitors());
  if (names.length === 0) return `Nothing to mute: no monitor is named or tagged "${typed}". ${known(deps.monitors())}`;
  const { untilMs } = deps.mutes.mute(target, deps.now() + durationMs, by);
  return `🔇 Muted for ${formatDuration(durationMs)}, until ${clockTime(untilMs, deps.now(), deps.timezone)}: ${names.join(', ')}. `
    + `Checks are skipped and no alert is sent; \`!vigie unmute ${target}\` ends it sooner.`;
}

function unmute(typed: string, deps: CommandDeps): string {
  const target = canonical(typed, deps.monitors());
  if (!deps.mutes.unmute(target) && !deps.mutes.unmute(typed)) return `"${typed}" is not muted.`;
  const names = held(target, deps.monitors());
  return `🔔 Unmuted: ${names.length > 0 ? names.join(', ') : target}. Checks and alerts resume from the next check.`;
}

/** At most this many names in a refusal's list of what exists: a typo among 700 monitors needs a hint, not all of them. */
const KNOWN_LISTED = 30;

function known(monitors: readonly KnownMonitor[]): string {
  if (monitors.length === 0) return 'Vigie runs no monitors of its own here.';
  const tags = [...new Set(monitors.flatMap((m) => m.tags))];
  return `Monitors: ${listed(monitors.map((m) => m.name))}${tags.length > 0 ? `; tags: ${listed(tags)}` : ''}.`;
}

function listed(names: readonly string[]): string {
  if (names.length <= KNOWN_LISTED) return names.join(', ');
  return `${names.slice(0, KNOWN_LISTED).join(', ')} … and ${names.length - KNOWN_LISTED} more`;
}
