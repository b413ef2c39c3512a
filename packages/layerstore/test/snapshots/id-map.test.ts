import { describe, expect, test } from 'vitest';
import { mapped, readIdMap } from '../../src/snapshots/id-map.js';

const maps = (uid: string, gid = uid) => (p: string) => (p.endsWith('uid_map') ? uid : gid);

describe('readIdMap', () => {
  test('the initial namespace maps every id: no map to check', () => {
    expect(readIdMap(maps('         0          0 4294967295\n'))).toBeUndefined();
  });
  test('a single-uid namespace: only 0 is mapped', () => {
    const m = readIdMap(maps('         0       1001          1\n'))!;
    expect(mapped(m.uids, 0)).toBe(true);
    expect(mapped(m.uids, 1000)).toBe(false);
    expect(mapped(m.gids, 5)).toBe(false);
  });
  test('root plus a subuid range: 0..65536', () => {
    const m = readIdMap(maps('0 1001 1\n1 100000 65536\n'))!;
    expect([0, 1, 1000, 65534, 65536].every((id) => mapped(m.uids, id))).toBe(true);
    expect(mapped(m.uids, 65537)).toBe(false);
  });
  test('no /proc: treated as the initial namespace', () => {
    expect(readIdMap(() => { throw new Error('ENOENT'); })).toBeUndefined();
  });
});
