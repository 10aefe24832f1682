// Shaping rendered text into a message: blank lines left by Liquid tags, and the Matrix m.room.message content.

/** A rendered alert: plain text, and HTML when the template is written in Markdown. */
export interface RenderedMessage {
  /** Plain text (Matrix `body`), values as the monitors sent them. */
  body: string;
  /** Matrix `formatted_body` (org.matrix.custom.html), only for Markdown templates. */
  html?: string;
}

/**
 * The most a message's texts may weigh (JSON-encoded, UTF-8). Synapse refuses an event over 64 KiB (M_TOO_LARGE,
 * which no retry fixes), and encryption makes the payload a third larger: 40 kB of text leaves room for both.
 */
export const MAX_TEXT_BYTES = 40_000;

/** What the message's texts weigh in its JSON content. */
export function textBytes(rendered: RenderedMessage): number {
  return jsonBytes(rendered.body) + (rendered.html === undefined ? 0 : jsonBytes(rendered.html));
}

const jsonBytes = (text: string): number => Buffer.byteLength(JSON.stringify(text), 'utf8');

/**
 * The message made to fit MAX_TEXT_BYTES: without its HTML first (the plain text says the same), then with the
 * plain text cut and saying so. An alert that the homeserver would refuse whole is better read in part.
 */
export function fitted(rendered: RenderedMessage): RenderedMessage {
  if (textBytes(rendered) <= MAX_TEXT_BYTES) return rendered;
  let body = rendered.body;
  const total = body.length;
  for (let size = jsonBytes(body); size > MAX_TEXT_BYTES - 100; size = jsonBytes(body)) {
    body = body.slice(0, Math.floor(body.length * (MAX_TEXT_BYTES - 100) / size) - 1);
    // Never half of a surrogate pair.
    if (/[\uD800-\uDBFF]$/.test(body)) body = body.slice(0, -1);
  }
  return { body: body.length === total ? body : `${body}\n… (cut: ${total - body.length} more characters)` };
}

/** Half of a surrogate pair with no other half (a monitor's text cut in the middle of an emoji). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The text with each lone surrogate replaced by U+FFFD: it cannot be encoded in UTF-8, so Synapse fails the event
 * (500, retried for ever, the room blocked) and Conduit refuses it (400). String.prototype.toWellFormed, before ES2024.
 */
export function wellFormed(text: string): string {
  // The native check (Node 20+; not in TypeScript's ES2023 lib) costs ~0.1 µs; the pattern ~1.5 µs per alert text.
  const native = text as unknown as { isWellFormed?: () => boolean };
  if (native.isWellFormed?.() === true) return text;
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/** Matrix message types an alert may be sent as (`m.notice` does not notify under default push rules). */
export type AlertMsgtype = 'm.text' | 'm.notice';

/** Blank (or whitespace-only) lines at the very start. */
const LEADING_BLANK_LINES = /^(?:[ \t]*\r?\n)+/;
/** Two or more blank lines in a row (three or more newlines). */
const BLANK_LINE_RUN = /\r?\n(?:[ \t]*\r?\n){2,}/g;

/** Trims blank lines at both ends and collapses runs of blank lines into one, as Liquid tags on their own lines leave them. */
export function shapeText(text: string): string {
  return text.replace(LEADING_BLANK_LINES, '').trimEnd().replace(BLANK_LINE_RUN, '\n\n');
}

/**
 * The content of an `m.room.message` event for a rendered alert, made to fit (see fitted). `m.mentions` is always empty, so text coming
 * from monitors (an `@room`, a user id) never pings anyone (intentional mentions, MSC3952).
 */
export function toMessageContent(rendered: RenderedMessage, msgtype: AlertMsgtype): Record<string, unknown> {
  const { body, html } = fitted(rendered);
  const content: Record<string, unknown> = { msgtype, body: wellFormed(body) };
  if (html !== undefined) {
    content.format = 'org.matrix.custom.html';
    content.formatted_body = wellFormed(html);
  }
  content['m.mentions'] = {};
  return content;
}
