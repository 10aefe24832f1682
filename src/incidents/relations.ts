// Matrix relation contents for incidents: a reply in the root's thread (m.thread) and an edit of the root (m.replace).
import { escapeHtml } from '../alert/render/markdown.js';


/** An m.room.message content as Vigie renders it. */
export type MessageContent = Record<string, unknown>;

/**
 * A reply in the thread of the root: `rel_type: m.thread`, with the reply fallback (`is_falling_back`,
 * `m.in_reply_to`) for clients without threads. Event ids are left blank: the deliverer fills them at send time.
 */
export function threadReply(content: MessageContent): MessageContent {
  // Object.assign, not `{ ...content, key }`: with a property after the spread, V8 (Node 20) takes a slow path that
  // costs ~1 µs and leaves the copy for the scavenges to move, once per alert here.
  return Object.assign({}, content, { 'm.relates_to': { rel_type: 'm.thread', event_id: '', is_falling_back: true, 'm.in_reply_to': { event_id: '' } } });
}

/** The root's text with a first line above it, in body and, when the root has one, formatted_body. */
export function withFirstLine(root: MessageContent, line: string): MessageContent {
  const original = withoutRelations(root);
  const updated: MessageContent = { ...original, body: `${line}\n\n${text(original.body)}` };
  if (typeof original.formatted_body === 'string') {
    updated.formatted_body = `<p><strong>${escapeHtml(line)}</strong></p>\n${original.formatted_body}`;
  }
  return updated;
}

/**
 * An edit replacing the root with `replacement`: `m.new_content` holds it, the top level the `* ` fallback that
 * clients without edits show; `m.mentions` stays empty so an edit pings nobody. The event id is filled at send time.
 */
export function replaceRoot(replacement: MessageContent): MessageContent {
  const newContent: MessageContent = { ...withoutRelations(replacement), 'm.mentions': {} };
  // The fallback is its first line ("* ✅ Resolved after 12 min"): the whole text twice (fallback and m.new_content)
  // made the edit of a long root larger than the 64 KiB Synapse takes, so the recovery was never shown.
  const { format: _format, formatted_body: _html, ...plain } = newContent;
  const edit: MessageContent = { ...plain, body: `* ${text(newContent.body).split('\n', 1)[0]}` };
  return { ...edit, 'm.new_content': newContent, 'm.relates_to': { rel_type: 'm.replace', event_id: '' } };
}

function withoutRelations(content: MessageContent): MessageContent {
  const { 'm.relates_to': _relation, 'm.new_content': _new, ...rest } = content;
  return rest;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
