/** tsbuild doctor — the same report as `tsbuild info` (what the host allows), under the name people look for. */
import { run as info } from './info.js';

export function run(argv: string[]): Promise<number> {
  return info(argv, 'doctor');
}
