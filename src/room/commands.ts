// `!vigie …` commands typed in a room, parsed into a typed command (pure, so it is tested as a table).
import { parseDuration } from '../config/duration.js';

/** The word that addresses Vigie; anything else in the room is conversation. */
export const COMMAND_PREFIX = '!vigie';

/** A command as typed; `help` also answers unknown or malformed commands, with the reason in `problem`. */
export type Command =
  | { kind: 'help'; problem?: string }
  | { kind: 'status' }
  | { kind: 'ack'; monitor: string }
  | { kind: 'mute'; target: string; durationMs: number }
  | { kind: 'unmute'; target: string };

/** The kinds of command, for logs and metrics. */
export type CommandKind = Command['kind'];

/** The usage lines shown by help. */
export const USAGE = [
  '!vigie status — what is down or pending, and since when',
  '!vigie ack <monitor> — acknowledge its open incident (resends stop)',
  '!vigie mute <monitor|tag> <duration> — a maintenance window, e.g. !vigie mute prod 2h',
  '!vigie unmute <monitor|tag> — end it',
  '!vigie help — this list',
] as const;

/** Parses a message body; undefined when the message is not addressed to Vigie. */
export function parseCommand(body: string): Command | undefined {
  // Only the first line counts (a pasted log below must not change the command), after the quoted lines of a reply
  // fallback, which clients that still send one put first ("> <@vigie:x> …", then a blank line).
  const lines = body.split('\n');
  let first = 0;
  while (first < lines.length && lines[first]!.startsWith('>')) first += 1;
  if (first > 0 && lines[first]?.trim() === '') first += 1;
  const line = (lines[first] ?? '').trim();
  const [head = '', ...words] = line.split(/\s+/);
  if (head.toLowerCase() !== COMMAND_PREFIX) return undefined;
  const [verb = 'help', ...args] = words;
  switch (verb.toLowerCase()) {
    case 'help': return { kind: 'help' };
    case 'status': return { kind: 'status' };
    case 'ack': return args.length > 0 ? { kind: 'ack', monitor: joined(args) } : help('ack needs a monitor name, e.g. !vigie ack Site web');
    case 'unmute': return args.length > 0 ? { kind: 'unmute', target: joined(args) } : help('unmute needs a monitor or a tag, e.g. !vigie unmute prod');
    case 'mute': return parseMute(args);
    default: return help(`unknown command "${verb}"`);
  }
}

/** `mute <target…> <duration>`: the last word is the duration, so monitor names may hold spaces. */
function parseMute(args: string[]): Command {
  if (args.length < 2) return help('mute needs a monitor or a tag and a duration, e.g. !vigie mute prod 2h');
  const text = args.at(-1)!;
  let durationMs: number;
  try {
    durationMs = parseDuration(text);
  } catch {
    return help(`"${text}" is not a duration: write it like 30m, 2h or 1d`);
  }
  if (durationMs <= 0) return help('a mute needs a duration above zero, e.g. 30m');
  return { kind: 'mute', target: joined(args.slice(0, -1)), durationMs };
}

/** Words rejoined as typed; surrounding quotes (`"Site web"`) are dropped. */
function joined(words: string[]): string {
  const text = words.join(' ');
  const quoted = /^(["'«“])(.*)(["'»”])$/u.exec(text);
  return quoted ? quoted[2]!.trim() : text;
}

function help(problem: string): Command {
  return { kind: 'help', problem };
}
