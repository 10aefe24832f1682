import { describe, expect, it } from 'vitest';
import { toMessageContent } from '../alert/render/message.js';
import { replaceRoot } from './relations.js';

describe('replaceRoot', () => {
  it('edits a root as long as an alert may be and stays under the 64 KiB an event may weigh', () => {
    const root = toMessageContent({ body: `✅ Resolved after 3 min\n\n${'🔴 **DOWN — api**\n'.repeat(800)}`, html: `<p>${'x'.repeat(15_000)}</p>` }, 'm.text');
    expect(root.formatted_body).toBeDefined();
    const edit = replaceRoot(root);
    expect(edit.body).toBe('* ✅ Resolved after 3 min');
    expect(edit['m.new_content']).toMatchObject({ body: root.body, formatted_body: root.formatted_body, 'm.mentions': {} });
    // Room for the PDU's own fields (ids, hashes, signatures): about 1 KiB.
    expect(Buffer.byteLength(JSON.stringify(edit))).toBeLessThan(65_536 - 4_096);
  });
});
