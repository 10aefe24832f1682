import { describe, it, expect } from 'vitest';
import { findKumaLine, parseCertificateLine, parseKumaLine, statusFromText } from './kuma-line.js';

describe('parseKumaLine', () => {
  it.each([
    ['[Site] [🔴 Down] connect ECONNREFUSED', { name: 'Site', status: 'down', message: 'connect ECONNREFUSED' }],
    ['[Site web] [✅ Up] 200 - OK', { name: 'Site web', status: 'up', message: '200 - OK' }],
    ['  [Site] [✅ Up] 200 - OK\n', { name: 'Site', status: 'up', message: '200 - OK' }],
    ['[a [b] c] [🔴 Down] x', { name: 'a [b] c', status: 'down', message: 'x' }],
    ['[Site] [🔴 Down] first line\nsecond line', { name: 'Site', status: 'down', message: 'first line\nsecond line' }],
    ['[Site] [🔴 Down] ', { name: 'Site', status: 'down', message: '' }],
    ['[Site] [🔴 Down] says [X] [✅ Up] y', { name: 'Site', status: 'down', message: 'says [X] [✅ Up] y' }],
  ])('%j', (text, expected) => {
    expect(parseKumaLine(text)).toMatchObject(expected);
  });

  it.each([
    'Site is down', '[Site] [Down] x', '[Site] [⚠️ Test] x', '[] [🔴 Down] x', 'prefix [Site] [🔴 Down] x', '[Site][🔴 Down] x',
  ])('%j is not Kuma\'s line', (text) => {
    expect(parseKumaLine(text)).toBeUndefined();
  });

  it('keeps the whole line as Kuma\'s msg', () => {
    expect(parseKumaLine(' [S] [✅ Up] ok ')?.line).toBe('[S] [✅ Up] ok');
  });
});

describe('findKumaLine', () => {
  it('finds the line inside a user\'s Kuma template', () => {
    const text = 'Uptime Kuma Alert - S\n\nstatus=✅ Up | name=S\n[S] [✅ Up] 200 - OK';
    expect(findKumaLine(text)).toMatchObject({ name: 'S', status: 'up', line: '[S] [✅ Up] 200 - OK' });
  });

  it('finds the line after a label, as the tutorial\'s template prints it, with the name that nests its brackets', () => {
    const seed = '🚨 ALERTE : SERVICE HORS LIGNE\n\n🖥️ Service : Site\n💬 Message : [Site] [🔴 Down] timeout\n⏰ Heure : 26/11/2026 13:09';
    expect(findKumaLine(seed)).toMatchObject({ name: 'Site', status: 'down', message: 'timeout', line: '[Site] [🔴 Down] timeout' });
    expect(findKumaLine('[prod] msg: [api] [✅ Up] 200 - OK')).toMatchObject({ name: 'api', status: 'up', message: '200 - OK' });
    expect(findKumaLine('msg: [a [b] c] [🔴 Down] x')).toMatchObject({ name: 'a [b] c' });
  });

  it('is undefined when no line is Kuma\'s', () => {
    expect(findKumaLine('a\nb [c] [d]\n')).toBeUndefined();
  });
});

describe('parseCertificateLine', () => {
  it('reads Kuma\'s certificate warning', () => {
    expect(parseCertificateLine('[Site][https://example.org] server certificate example.org will expire in 7 days'))
      .toEqual({ name: 'Site', url: 'https://example.org', days: 7 });
  });

  it('ignores other texts', () => {
    expect(parseCertificateLine('[Site] [🔴 Down] certificate will expire in 7 days')).toBeUndefined();
  });
});

describe('statusFromText', () => {
  it.each([
    ['status=✅ Up | name=S', 'up'],
    ['🔴 Down then ✅ Up', 'down'],
    ['status: ⚠️ Test', 'test'],
    ['status: ⚠ Test', 'test'],
    ['My Matrix Testing', 'test'],
    ['Testing\nmore lines Testing', 'down'],
    ['Disk almost full', 'down'],
    ['🚨 ALERTE\n🖥️ Service : Monitor Name not available\n🌐 Cible : testing.hostname\n💬 Message : Vigie Testing', 'test'],
  ])('%j → %s', (text, expected) => {
    expect(statusFromText(text)).toBe(expected);
  });
});
