// Mentions a route asks for: m.mentions, the names in front of the body and pills in the HTML. Monitors' text never pings.
import { MAX_TEXT_BYTES, textBytes } from '../alert/render/message.js';

/** Who a route pings: users (by id) and, only when the route says so, the whole room. */
export interface MentionOptions {
  mentions?: readonly string[];
  atRoom?: boolean;
}

/** Characters that must not reach HTML as themselves. */
const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** A user pill, as Element writes one. */
function pill(userId: string): string {
  return `<a href="https://matrix.to/#/${encodeURIComponent(userId).replace(/%40/g, '@').replace(/%3A/g, ':')}">${escapeHtml(userId)}</a>`;
}

/**
 * The content with the route's mentions. `m.mentions` lists exactly the route's users (and `room` only with atRoom),
 * so an `@room` or a user id inside a monitor's name or message pings nobody; without mentions the content is
 * returned unchanged (its `m.mentions` stays empty).
 */
export function withMentions(content: Record<string, unknown>, options: MentionOptions): Record<string, unknown> {
  const users = [...new Set(options.mentions ?? [])];
  const atRoom = options.atRoom === true;
  if (users.length === 0 && !atRoom) return content;
  const body = typeof content.body === 'string' ? content.body : '';
  const html = typeof content.formatted_body === 'string' ? content.formatted_body : escapeHtml(body).replace(/\r?\n/g, '<br>');
  const names = [...(atRoom ? ['@room'] : []), ...users];
  const pills = [...(atRoom ? ['@room'] : []), ...users.map(pill)];
  const mentions: Record<string, unknown> = {};
  if (users.length > 0) mentions.user_ids = users;
  if (atRoom) mentions.room = true;
  const mentioned = { body: `${names.join(' ')}: ${body}`, html: `${pills.join(' ')}: ${html}` };
  // m.mentions alone pings them: a text too large for its HTML pills too goes without (the homeserver would refuse it).
  if (textBytes(mentioned) > MAX_TEXT_BYTES) {
    const { format: _format, formatted_body: _html, ...plain } = content;
    return { ...plain, body: mentioned.body, 'm.mentions': mentions };
  }
  return { ...content, body: mentioned.body, format: 'org.matrix.custom.html', formatted_body: mentioned.html, 'm.mentions': mentions };
}

/** The mentions a content already carries (e.g. a row about to be merged into a group), to put on its replacement. */
export function mentionsOf(content: Record<string, unknown>): MentionOptions {
  const raw = content['m.mentions'];
  if (typeof raw !== 'object' || raw === null) return {};
  const { user_ids: ids, room } = raw as { user_ids?: unknown; room?: unknown };
  const mentions = Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  return { mentions, atRoom: room === true };
}

/** Everyone the contents mention, once (rows merged into one group message keep pinging whom they pinged). */
export function unionMentions(contents: readonly Record<string, unknown>[]): MentionOptions {
  const each = contents.map(mentionsOf);
  return { mentions: [...new Set(each.flatMap((m) => m.mentions ?? []))], atRoom: each.some((m) => m.atRoom === true) };
}
