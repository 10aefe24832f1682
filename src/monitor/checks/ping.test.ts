import { describe, expect, it } from 'vitest';
import { ping, readPingOutput } from './ping.js';

const target = ping.schema.parse({ hostname: '192.0.2.1', count: 3 });

const IPUTILS_UP = `PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.
64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.050 ms

--- 127.0.0.1 ping statistics ---
1 packets transmitted, 1 received, 0% packet loss, time 0ms
rtt min/avg/max/mdev = 0.050/0.062/0.081/0.000 ms
`;
const IPUTILS_LOST = `PING 192.0.2.1 (192.0.2.1) 56(84) bytes of data.

--- 192.0.2.1 ping statistics ---
3 packets transmitted, 0 received, 100% packet loss, time 2040ms
`;
const BUSYBOX_UP = `PING 10.0.0.1 (10.0.0.1): 56 data bytes
64 bytes from 10.0.0.1: seq=0 ttl=64 time=0.101 ms

--- 10.0.0.1 ping statistics ---
1 packets transmitted, 1 packets received, 0% packet loss
round-trip min/avg/max = 0.101/0.101/0.101 ms
`;

describe('readPingOutput', () => {
  it.each([
    ['iputils, answered', 0, IPUTILS_UP, '', { status: 'up', message: '0.062 ms', ms: 0.062 }],
    ['BusyBox, answered', 0, BUSYBOX_UP, '', { status: 'up', message: '0.101 ms', ms: 0.101 }],
    ['no reply', 1, IPUTILS_LOST, '', { status: 'down', message: 'no reply from 192.0.2.1 (100% packet loss of 3)' }],
    ['unknown host', 2, '', 'ping: nosuch.invalid: Name or service not known\n', { status: 'down', message: 'ping: nosuch.invalid: Name or service not known' }],
    ['no output at all', 2, '', '', { status: 'down', message: 'ping 192.0.2.1 exited with code 2' }],
  ] as const)('%s', (_name, code, stdout, stderr, expected) => {
    expect(readPingOutput(code, stdout, stderr, target)).toEqual(expected);
  });
});

describe('ping schema', () => {
  it('has Kuma\'s defaults and refuses a host that would read as an option', () => {
    expect(ping.schema.parse({ hostname: 'example.org' })).toEqual({ hostname: 'example.org', count: 1, timeout: 30_000 });
    expect(ping.schema.safeParse({ hostname: '-f' }).success).toBe(false);
    expect(ping.hostnameOrURL(target)).toBe('192.0.2.1');
  });
});
