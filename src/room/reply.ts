// The content of Vigie's answer to a command: a notice replying to it (in its thread when it was in one).
import { fitted } from '../alert/render/message.js';
import type { RoomEvent } from '../matrix/sync-loop.js';

/** An `m.notice` replying to `command`; it mentions the one who asked, nobody else. */
export function noticeReply(command: RoomEvent, text: string): Record<string, unknown> {
  const replyTo = { event_id: command.event_id };
  const relation = command.content['m.relates_to'] as { rel_type?: unknown; event_id?: unknown } | undefined;
  // A command typed in a thread is answered in that thread, as a reply to it.
  const relatesTo = relation?.rel_type === 'm.thread' && typeof relation.event_id === 'string'
    ? { rel_type: 'm.thread', event_id: relation.event_id, is_falling_back: false, 'm.in_reply_to': replyTo }
    : { 'm.in_reply_to': replyTo };
  // An answer listing hundreds of monitors must still be one the homeserver takes (64 KiB an event): cut, saying so.
  return { msgtype: 'm.notice', body: fitted({ body: text }).body, 'm.relates_to': relatesTo, 'm.mentions': { user_ids: [command.sender] } };
}
