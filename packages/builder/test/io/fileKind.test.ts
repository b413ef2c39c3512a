import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileKind } from '../../src/io/fileKind.js';
import { readRegularFileSync } from '../../src/io/readRegular.js';

const dir = mkdtempSync(join(tmpdir(), 'tsb-kind-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fileKind: one reading of a stat\'s file type', () => {
  it('names every kind, for number and bigint stats; readRegular words the ones it refuses from it', async () => {
    writeFileSync(join(dir, 'f'), 'x');
    mkdirSync(join(dir, 'd'));
    symlinkSync('f', join(dir, 'l'));
    execFileSync('mkfifo', [join(dir, 'p')]);
    const server = createServer();
    await new Promise<void>((r) => server.listen(join(dir, 's'), r));
    try {
      const got = ['f', 'd', 'l', 'p', 's'].map((n) => [fileKind(lstatSync(join(dir, n))), fileKind(lstatSync(join(dir, n), { bigint: true }))]);
      expect(got).toEqual([['file', 'file'], ['dir', 'dir'], ['symlink', 'symlink'], ['fifo', 'fifo'], ['socket', 'socket']]);
      expect(fileKind(lstatSync('/dev/null'))).toBe('char');
      const refused = (p: string) => { try { readRegularFileSync(p, { what: 'x', max: 10 }); } catch (e) { return (e as { code: string; data?: { kind: string } }); } };
      expect([refused(join(dir, 'p')), refused(join(dir, 's')), refused('/dev/null')].map((e) => [e?.code, e?.data?.kind])).toEqual([['E_NOT_REGULAR', 'FIFO'], ['ENXIO', undefined], ['E_NOT_REGULAR', 'character device']]);
    } finally {
      server.close();
    }
  });
});
