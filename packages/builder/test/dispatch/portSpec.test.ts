import { describe, expect, it } from 'vitest';
import { portKeys } from '../../src/dispatch/portSpec.js';

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
};

describe('portKeys (BuildKit portSpecs.parsePort)', () => {
  it('writes each port of a range, ascending, with the protocol in lower case', () => {
    expect(portKeys('9-11')).toEqual(['9/tcp', '10/tcp', '11/tcp']);
    expect(portKeys('53/UDP')).toEqual(['53/udp']);
    expect(portKeys('80-80/sctp')).toEqual(['80/sctp']);
    expect(portKeys('0')).toEqual(['0/tcp']);
  });
  it('writes numbers back in decimal (strconv.ParseInt, then Itoa)', () => {
    expect(portKeys('080')).toEqual(['80/tcp']);
    expect(portKeys('+81')).toEqual(['81/tcp']);
  });
  it('keeps the container port of ip:host:container forms', () => {
    expect(portKeys('8080:80')).toEqual(['80/tcp']);
    expect(portKeys('127.0.0.1:8080:80/udp')).toEqual(['80/udp']);
    expect(portKeys('[::1]:8080:80')).toEqual(['80/tcp']);
    expect(portKeys('127.0.0.1::80')).toEqual(['80/tcp']);
    // a host range needs a container range of the same length, unless the container port is single
    expect(portKeys('8000-8001:80')).toEqual(['80/tcp']);
    expect(portKeys('8000-8001:90-91')).toEqual(['90/tcp', '91/tcp']);
  });
  it('refuses what BuildKit refuses, with E_INSTRUCTION', () => {
    for (const bad of ['abc', '', '/tcp', '80/http', '80/tcp/udp', '65536', '90-80', '80-', '-80', '-0', '1--5', '1_0', '0x50', 'nope:8080:80', '[::1:8080:80', '8000-8002:90-91', ' 80']) {
      expect(codeOf(() => portKeys(bad)), bad).toBe('E_INSTRUCTION');
    }
  });
});
