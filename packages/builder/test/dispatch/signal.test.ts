import { describe, expect, it } from 'vitest';
import { checkSignal } from '../../src/dispatch/signal.js';

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
};

describe('checkSignal (moby/sys/signal ParseSignal)', () => {
  it('takes numbers other than 0 and Linux signal names in any case, with or without SIG', () => {
    for (const ok of ['SIGTERM', 'term', 'SigKill', 'RTMIN+15', 'sigrtmax-14', '9', '+9', '-9', '999']) expect(codeOf(() => checkSignal(ok)), ok).toBeUndefined();
  });
  it('refuses anything else with E_INSTRUCTION', () => {
    for (const bad of ['SIGFOO', '0', '', 'RTMIN+16', 'RTMAX-15', ' 9', '9s', 'SIG', '99999999999999999999']) expect(codeOf(() => checkSignal(bad)), bad).toBe('E_INSTRUCTION');
  });
});
