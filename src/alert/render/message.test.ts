import { describe, it, expect } from 'vitest';
import { shapeText, toMessageContent } from './message.js';

describe('shapeText', () => {
  it.each([
    ['\n✅ UP\n\n\n🖥️ Service', '✅ UP\n\n🖥️ Service'],
    ['  \n \nfirst\n\n\n\n\nsecond\n  \n\n', 'first\n\nsecond'],
    ['a\n \t \n  \nb', 'a\n\nb'],
    ['a\n\nb', 'a\n\nb'],
    ['  indented first line\nnext', '  indented first line\nnext'],
    ['one line', 'one line'],
    ['\n\n', ''],
  ])('%j → %j', (input, expected) => {
    expect(shapeText(input)).toBe(expected);
  });
});

describe('toMessageContent', () => {
  it('builds a plain m.text message that mentions nobody', () => {
    expect(toMessageContent({ body: 'Site down @room' }, 'm.text')).toEqual({ msgtype: 'm.text', body: 'Site down @room', 'm.mentions': {} });
  });

  it('adds the HTML as org.matrix.custom.html when there is some', () => {
    expect(toMessageContent({ body: '**Down**', html: '<p><strong>Down</strong></p>' }, 'm.notice')).toEqual({
      msgtype: 'm.notice', body: '**Down**', format: 'org.matrix.custom.html',
      formatted_body: '<p><strong>Down</strong></p>', 'm.mentions': {},
    });
  });

  it('replaces half of an emoji (a monitor\'s text cut inside it) with U+FFFD: no homeserver can encode it', () => {
    const cut = 'keyword found in: 🔴 Down'.slice(0, 19);
    const content = toMessageContent({ body: `${cut} …`, html: `<p>${cut}</p>` }, 'm.text');
    expect(content.body).toBe('keyword found in: \uFFFD …');
    expect(content.formatted_body).toBe('<p>keyword found in: \uFFFD</p>');
    expect(Buffer.from(JSON.stringify(content), 'utf8').toString('utf8')).toBe(JSON.stringify(content));
    expect(toMessageContent({ body: 'pair kept: 🔴' }, 'm.text').body).toBe('pair kept: 🔴');
  });
});
