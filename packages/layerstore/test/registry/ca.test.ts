import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trustedCas } from '../../src/registry/ca.js';

describe('trustedCas: the one reading of NODE_EXTRA_CA_CERTS', () => {
  it('Node\'s roots plus the bundle; nothing to add without a file; an unreadable one is warned about and ignored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsb-ca-'));
    try {
      const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
      writeFileSync(join(dir, 'extra.pem'), pem);
      const cas = await trustedCas(join(dir, 'extra.pem'));
      expect(cas).toEqual([...rootCertificates, pem]);
      expect(await trustedCas(undefined)).toBeUndefined();
      expect(await trustedCas('')).toBeUndefined();
      const warnings: string[] = [];
      expect(await trustedCas(join(dir, 'missing.pem'), (m) => warnings.push(m))).toBeUndefined();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(new RegExp(`^Ignoring extra certs from \`${join(dir, 'missing.pem')}\`, load failed: ENOENT`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
