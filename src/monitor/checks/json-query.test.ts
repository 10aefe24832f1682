import { describe, expect, it } from 'vitest';
import { evaluateJsonQuery, type JsonOperator } from './json-query.js';

const BODY = JSON.stringify({ status: 'ok', version: '2.10', load: 0.7, up: true, list: [1, 2] });

describe('evaluateJsonQuery (Kuma\'s operators)', () => {
  it.each<[string, JsonOperator, string, boolean, string]>([
    ['status', '==', 'ok', true, "JSON query returned 'ok'"],
    ['status', '==', 'degraded', false, "expected 'degraded' but JSON query returned 'ok'"],
    ['status', '!=', 'down', true, "JSON query returned 'ok' (!= 'down')"],
    ['status', '!=', 'ok', false, "expected anything but 'ok', and JSON query returned 'ok'"],
    ['load', '<', '1', true, "JSON query returned '0.7' (< 1)"],
    ['load', '>=', '1', false, "expected a value >= 1 but JSON query returned '0.7'"],
    // Numbers compare as numbers, not text: "2.10" > "2.9" is false as numbers.
    ['version', '>', '2.9', false, "expected a value > 2.9 but JSON query returned '2.10'"],
    ['status', '<', '3', false, "expected a number < 3 but JSON query returned 'ok'"],
    ['status', 'contains', 'o', true, "JSON query returned 'ok' (contains 'o')"],
    ['up', '==', 'true', true, "JSON query returned 'true'"],
    ['$count(list)', '==', '2', true, "JSON query returned '2'"],
  ])('%s %s %s', async (query, operator, expected, pass, message) => {
    expect(await evaluateJsonQuery(BODY, query, operator, expected)).toEqual({ pass, message });
  });

  it('fails with JSONata\'s own words on an evaluation error', async () => {
    const outcome = await evaluateJsonQuery(BODY, '$number(status)', '==', '1');
    expect(outcome).toEqual({ pass: false, message: 'JSON query failed: Unable to cast value to a number: "ok"' });
  });

  it('refuses an object', async () => {
    expect((await evaluateJsonQuery('{"a":{"b":1}}', 'a', '==', '1')).message).toMatch(/^JSON query returned an object/);
  });
});
