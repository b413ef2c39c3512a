/**
 * `RUN --mount=type=ssh`: a Unix socket in the step's scratch dir, owned and moded as the mount
 * asks (default 0:0 0600), that forwards each connection to the agent socket `--ssh` named — as
 * BuildKit proxies the client's agent. The step never sees the host path of the agent, and the
 * agent's own socket keeps its owner and mode.
 */
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** sun_path holds 108 bytes: a longer path (a deep --root) gets a short private directory instead */
const MAX_SOCKET_PATH = 100;

export interface SshProxy { path: string; close(): Promise<void> }

export async function startSshProxy(path: string, agent: string, owner: { uid: number; gid: number; mode: number }): Promise<SshProxy> {
  let ownDir: string | undefined;
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    ownDir = await mkdtemp(join(tmpdir(), 'tsbuild-ssh-'));
    path = join(ownDir, 'agent.sock');
  }
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(agent);
    open.add(client).add(upstream);
    const drop = () => { client.destroy(); upstream.destroy(); open.delete(client); open.delete(upstream); };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => { server.off('error', reject); resolve(); });
  });
  server.unref(); // a step's socket never keeps the process alive
  await chown(path, owner.uid, owner.gid);
  await chmod(path, owner.mode);
  return {
    path,
    close: async () => {
      await new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      });
      if (ownDir) await rm(ownDir, { recursive: true, force: true });
    },
  };
}
