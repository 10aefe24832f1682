// Shaping rendered text into a message: blank lines left by Liquid tags, and the Matrix m.room.message content.

/** A rendered alert: plain text, and HTML when the template is written in Markdown. */
export interface RenderedMessage {
  /** Plain text (Matrix `body`), values as the monitors sent them. */
  body: string;
  /** Matrix `formatted_body` (org.matrix.custom.html), only for Markdown templates. */
  html?: string;
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
 * The content of an `m.room.message` event for a rendered alert. `m.mentions` is always empty, so text coming
 * from monitors (an `@room`, a user id) never pings anyone (intentional mentions, MSC3952).
 */
export function toMessageContent(rendered: RenderedMessage, msgtype: AlertMsgtype): Record<string, unknown> {
  const content: Record<string, unknown> = { msgtype, body: rendered.body };
  if (rendered.html !== undefined) {
    content.format = 'org.matrix.custom.html';
    content.formatted_body = rendered.html;
  }
  content['m.mentions'] = {};
  return content;
}
