import { describe, expect, test } from 'vitest';
import { ExecutorNetns, type NetnsPool } from '../../src/exec/netns-pool.js';

/** a pool that counts, standing in for namespaces (no processes spawned) */
function fakePool(name: string) {
  const calls = { acquire: 0, dispose: 0 };
  const pool = {
    acquire: async () => (calls.acquire++, { path: `/proc/${name}/ns/net`, release: () => undefined }),
    dispose: () => void calls.dispose++,
  } as unknown as NetnsPool;
  return { pool, calls };
}

describe("an executor's network namespaces (ExecutorNetns)", () => {
  test('a given pool is used and never ended: other executors share it', async () => {
    const given = fakePool('given');
    let created = 0;
    const n = new ExecutorNetns(given.pool, () => (created++, fakePool('own').pool));
    expect((await n.acquire()).path).toBe('/proc/given/ns/net');
    n.dispose();
    expect((await n.acquire()).path).toBe('/proc/given/ns/net');
    expect(given.calls).toEqual({ acquire: 2, dispose: 0 });
    expect(created).toBe(0);
  });

  test('its own pool: made on the first step that needs it, ended by dispose, made again after', async () => {
    const made: ReturnType<typeof fakePool>[] = [];
    const n = new ExecutorNetns(undefined, () => (made.push(fakePool(`own${made.length}`)), made.at(-1)!.pool));
    expect(made).toHaveLength(0);
    n.dispose(); // nothing made, nothing to end
    await n.acquire();
    await n.acquire();
    expect(made).toHaveLength(1);
    expect(made[0]!.calls).toEqual({ acquire: 2, dispose: 0 });
    n.dispose();
    n.dispose();
    expect(made[0]!.calls.dispose).toBe(1);
    expect((await n.acquire()).path).toBe('/proc/own1/ns/net');
    expect(made).toHaveLength(2);
  });
});
