/** The ssh mount's socket forwards each connection to the agent, with the owner and mode asked for. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshProxy } from '../../src/dispatch/sshProxy.js';

const dir = mkdtempSync(join(tmpdir(), 'sshproxy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ssh agent proxy', () => {
  it('forwards bytes both ways, sets owner and mode, and closes cleanly (also for a long path)', async () => {
    const agentPath = join(dir, 'agent.sock');
    const agent = createServer((c) => c.on('data', (d) => c.write(`agent:${d}`)));
    await new Promise<void>((r) => agent.listen(agentPath, r));
    for (const path of [join(dir, 'p.sock'), join(dir, `${'x'.repeat(120)}.sock`)]) {
      const proxy = await startSshProxy(path, agentPath, { uid: process.getuid!(), gid: process.getgid!(), mode: 0o600 });
      expect(proxy.path.length).toBeLessThanOrEqual(100);
      const st = statSync(proxy.path);
      expect(st.isSocket()).toBe(true);
      expect(st.mode & 0o777).toBe(0o600);
      const reply = await new Promise<string>((resolve, reject) => {
        const c = createConnection(proxy.path, () => c.write('ping'));
        c.on('data', (d) => { resolve(String(d)); c.end(); }).on('error', reject);
      });
      expect(reply).toBe('agent:ping');
      await proxy.close();
    }
    agent.close();
  });
});
