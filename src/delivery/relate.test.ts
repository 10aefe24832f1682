import { describe, it, expect } from 'vitest';
import { fillRelation } from './relate.js';

const thread = { msgtype: 'm.text', body: 'recovered', 'm.relates_to': { rel_type: 'm.thread', event_id: '', is_falling_back: true, 'm.in_reply_to': { event_id: '' } } };
const edit = {
  msgtype: 'm.text', body: '* resolved', 'm.new_content': { msgtype: 'm.text', body: 'resolved' },
  'm.relates_to': { rel_type: 'm.replace', event_id: '' },
};

describe('fillRelation', () => {
  it('points a thread reply and its fallback at the related event', () => {
    expect(fillRelation(thread, '$root')).toEqual({
      msgtype: 'm.text', body: 'recovered',
      'm.relates_to': { rel_type: 'm.thread', event_id: '$root', is_falling_back: true, 'm.in_reply_to': { event_id: '$root' } },
    });
  });

  it('points an edit at the event it replaces', () => {
    expect(fillRelation(edit, '$root')).toMatchObject({ 'm.relates_to': { rel_type: 'm.replace', event_id: '$root' } });
  });

  it('without an event id (the related message was rejected) sends a plain message: the reply as is, the edit as its new text', () => {
    expect(fillRelation(thread, null)).toEqual({ msgtype: 'm.text', body: 'recovered' });
    expect(fillRelation(edit, undefined)).toEqual({ msgtype: 'm.text', body: 'resolved' });
  });

  it('leaves content without a relation untouched', () => {
    const plain = { msgtype: 'm.text', body: 'x' };
    expect(fillRelation(plain, '$e')).toBe(plain);
  });
});
