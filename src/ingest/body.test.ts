import { describe, it, expect } from 'vitest';
import { BodyError, decodeWebhookBody, decodeWebhookQuery, readText } from './body.js';

const KUMA = { heartbeat: { status: 0 }, monitor: { name: 'S' }, msg: '[S] [🔴 Down] x' };
const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

async function formBody(fields: Record<string, string>): Promise<{ body: Buffer; contentType: string }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const request = new Request('http://localhost/', { method: 'POST', body: form });
  return { body: Buffer.from(await request.arrayBuffer()), contentType: request.headers.get('content-type')! };
}

describe('decodeWebhookBody', () => {
  it('reads Kuma\'s JSON whatever the Content-Type', async () => {
    for (const ct of ['application/json', 'text/plain', undefined, 'application/x-www-form-urlencoded']) {
      expect(await decodeWebhookBody(utf8(JSON.stringify(KUMA)), ct)).toEqual({ kind: 'payload', payload: KUMA, form: 'json' });
    }
  });

  it('reads form-data by its header, or by its first line when the header says otherwise', async () => {
    const { body, contentType } = await formBody({ data: JSON.stringify(KUMA) });
    expect(await decodeWebhookBody(body, contentType)).toEqual({ kind: 'payload', payload: KUMA, form: 'form-data' });
    expect(await decodeWebhookBody(body, 'application/json')).toEqual({ kind: 'payload', payload: KUMA, form: 'form-data' });
  });

  it('gives other JSON as text, with its string values (not the JSON text, whose quotes would end the line) as places to look for Kuma\'s line', async () => {
    const text = JSON.stringify({ a: { b: ['[S] [✅ Up] ok', 2] }, c: 'd' });
    expect(await decodeWebhookBody(utf8(text), 'application/json')).toEqual({ kind: 'text', text, candidates: ['d', '[S] [✅ Up] ok'] });
    expect(await decodeWebhookBody(utf8('"just a string"'), undefined)).toEqual({ kind: 'text', text: 'just a string', candidates: ['just a string'] });
  });

  it('gives anything else as text, undecoded (Kuma posts its rendered body as is)', async () => {
    expect(await decodeWebhookBody(utf8('a=b&c=d%20e'), 'application/x-www-form-urlencoded'))
      .toEqual({ kind: 'text', text: 'a=b&c=d%20e', candidates: ['a=b&c=d%20e'] });
  });

  it.each([
    [Buffer.alloc(0), undefined, 400, /empty/],
    [utf8(' \r\n'), undefined, 400, /blank/],
    [Buffer.from([0xc3, 0x28]), 'text/plain', 415, /not valid utf-8/],
    [utf8('x'), 'text/plain; charset=nope', 415, /unknown charset/],
  ])('refuses %j (%s) with %i', async (body, ct, status, reason) => {
    const error = await decodeWebhookBody(body, ct).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BodyError);
    expect(error).toMatchObject({ statusCode: status, message: expect.stringMatching(reason) as unknown });
  });

  it('refuses a compressed body, even form-data', async () => {
    const { body, contentType } = await formBody({ data: '{}' });
    await expect(decodeWebhookBody(body, contentType, 'gzip')).rejects.toMatchObject({ statusCode: 415 });
  });

  it('stops collecting string values of a huge JSON body', async () => {
    const text = JSON.stringify(Array.from({ length: 50_000 }, (_, i) => `s${i}`));
    const decoded = await decodeWebhookBody(utf8(text), undefined);
    expect(decoded.kind === 'text' && decoded.candidates.length).toBe(1000);
  });
});

describe('decodeWebhookQuery', () => {
  it('reads msg, heartbeat and monitor as Kuma sends them', () => {
    expect(decodeWebhookQuery({ msg: 'm', heartbeat: '{"status":1}', monitor: '{"name":"S"}' }))
      .toEqual({ kind: 'payload', payload: { msg: 'm', heartbeat: { status: 1 }, monitor: { name: 'S' } }, form: 'query' });
    expect(decodeWebhookQuery({ msg: 'K Testing' })).toEqual({ kind: 'payload', payload: { msg: 'K Testing', heartbeat: null, monitor: null }, form: 'query' });
  });

  it.each([
    [{}, /needs the query parameters/],
    [undefined, /needs the query parameters/],
    [{ msg: ['a', 'b'] }, /msg is given more than once/],
    [{ msg: 'a', monitor: '{' }, /monitor is not JSON/],
  ])('refuses %j with 400', (query, reason) => {
    expect(() => decodeWebhookQuery(query)).toThrow(reason);
  });
});

describe('readText', () => {
  it('decodes the charset the Content-Type names', () => {
    expect(readText(Buffer.from('é', 'latin1'), 'text/plain; charset="ISO-8859-1"')).toBe('é');
    expect(readText(Buffer.from('é', 'utf16le'), 'application/json; charset=utf-16le')).toBe('é');
  });

  it('accepts identity encoding', () => {
    expect(readText(utf8('x'), undefined, 'identity')).toBe('x');
  });
});
