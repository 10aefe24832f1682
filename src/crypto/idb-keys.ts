// A canonical text form of IndexedDB keys: equal keys give equal text, so SQLite can use it as a primary key.
import type { IdbKey } from './fake-idb.js';

type Tagged = ['n', number] | ['s', string] | ['d', number] | ['b', string] | ['a', Tagged[]];

function tag(key: unknown): Tagged {
  if (typeof key === 'number') return ['n', key === 0 ? 0 : key];
  if (typeof key === 'string') return ['s', key];
  if (key instanceof Date) return ['d', key.getTime()];
  if (key instanceof ArrayBuffer) return ['b', Buffer.from(key).toString('base64')];
  if (ArrayBuffer.isView(key)) return ['b', Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('base64')];
  if (Array.isArray(key)) return ['a', key.map(tag)];
  throw new TypeError(`not an IndexedDB key: ${Object.prototype.toString.call(key)}`);
}

function untag(tagged: Tagged): IdbKey {
  switch (tagged[0]) {
    case 'n': return tagged[1];
    case 's': return tagged[1];
    case 'd': return new Date(tagged[1]);
    case 'b': {
      const bytes = Buffer.from(tagged[1], 'base64');
      // A fresh ArrayBuffer: what IndexedDB itself hands back for binary keys.
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    }
    case 'a': return tagged[1].map(untag);
  }
}

/** The key as canonical JSON text, e.g. `["s","olm"]`; binary keys of any view type encode alike. */
export function encodeKey(key: unknown): string {
  return JSON.stringify(tag(key));
}

/** The key `encodeKey` wrote. */
export function decodeKey(text: string): IdbKey {
  return untag(JSON.parse(text) as Tagged);
}
