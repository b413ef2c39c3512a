/** Run a host tool to completion; rejects with its stderr on a non-zero exit. */
import { execFile } from 'node:child_process';

export function runTool(bin: string, args: string[], opts: { cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { cwd: opts.cwd, env: {}, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(new Error(`${bin} ${args.join(' ')}: ${stderr.trim() || err.message}`), { stderr }));
      else resolve(stdout);
    });
  });
}
