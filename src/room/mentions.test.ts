import { describe, it, expect } from 'vitest';
import { toMessageContent } from '../alert/render/message.js';
import { mentionsOf, unionMentions, withMentions } from './mentions.js';

describe('withMentions', () => {
  const plain = toMessageContent({ body: '🔴 API is down\nsee @room <b>now</b>' }, 'm.text');

  it('keeps the pings (m.mentions) but drops the HTML of a text too large for both, so the homeserver takes it', () => {
    const large = toMessageContent({ body: '<&>'.repeat(12_000) }, 'm.text');
    const content = withMentions(large, { mentions: ['@alice:x'] });
    expect(content['m.mentions']).toEqual({ user_ids: ['@alice:x'] });
    expect(content.body).toMatch(/^@alice:x: <&>/);
    expect(content).not.toHaveProperty('formatted_body');
    expect(Buffer.byteLength(JSON.stringify(content))).toBeLessThan(65_536 - 2_000);
  });

  it('leaves a route without mentions alone: the empty m.mentions pings nobody', () => {
    expect(withMentions(plain, {})).toBe(plain);
    expect(withMentions(plain, { mentions: [], atRoom: false })['m.mentions']).toEqual({});
  });

  it('lists the route\'s users, names them in front of the body and pills them in escaped HTML', () => {
    const content = withMentions(plain, { mentions: ['@alice:example.org', '@bob:example.org', '@alice:example.org'] });
    expect(content['m.mentions']).toEqual({ user_ids: ['@alice:example.org', '@bob:example.org'] });
    expect(content.body).toBe('@alice:example.org @bob:example.org: 🔴 API is down\nsee @room <b>now</b>');
    expect(content.format).toBe('org.matrix.custom.html');
    expect(content.formatted_body).toBe('<a href="https://matrix.to/#/@alice:example.org">@alice:example.org</a> '
      + '<a href="https://matrix.to/#/@bob:example.org">@bob:example.org</a>: 🔴 API is down<br>see @room &lt;b&gt;now&lt;/b&gt;');
    expect(content.msgtype).toBe('m.text');
  });

  it('keeps an existing HTML body and pings the room only with atRoom', () => {
    const html = toMessageContent({ body: 'API **down**', html: '<p>API <strong>down</strong></p>' }, 'm.notice');
    const content = withMentions(html, { atRoom: true });
    expect(content['m.mentions']).toEqual({ room: true });
    expect(content.body).toBe('@room: API **down**');
    expect(content.formatted_body).toBe('@room: <p>API <strong>down</strong></p>');
  });

  it('reads back what a content carries, for a message that replaces it', () => {
    expect(mentionsOf(withMentions(plain, { mentions: ['@a:x'], atRoom: true }))).toEqual({ mentions: ['@a:x'], atRoom: true });
    expect(mentionsOf(plain)).toEqual({ mentions: [], atRoom: false });
  });

  it('unites the mentions of rows merged into one', () => {
    const rows = [withMentions(plain, { mentions: ['@a:x'] }), plain, withMentions(plain, { mentions: ['@b:x', '@a:x'], atRoom: true })];
    expect(unionMentions(rows)).toEqual({ mentions: ['@a:x', '@b:x'], atRoom: true });
    expect(withMentions(plain, unionMentions([plain, plain]))).toBe(plain);
  });
});
