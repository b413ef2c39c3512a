#!/usr/bin/env node
/**
 * Prints the README's "BuildKit ground truth" section of each named fixture from the image the
 * differential test left in docker (`tsdiff/<name>`): config (non-empty fields, as saved), layer count
 * and the history added over the base (`E` = empty_layer).
 *   node test/differential/ground-truth.mjs shell-forms workdir-forms >> /tmp/sections.md
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DOCKER = process.env.TSBUILD_DOCKER ?? '/usr/bin/docker';
const BASE = 'localbase/busybox:1';

/** JSON as Python's json.dumps writes it (", " and ": "), which the README has always used */
function pyJson(v) {
  if (Array.isArray(v)) return `[${v.map(pyJson).join(', ')}]`;
  if (v && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${pyJson(x)}`).join(', ')}}`;
  return JSON.stringify(v);
}
const empty = (v) => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0);

function saved(ref) {
  const dir = mkdtempSync(join(tmpdir(), 'ground-truth-'));
  try {
    execFileSync(DOCKER, ['save', '-o', join(dir, 'i.tar'), ref]);
    execFileSync('tar', ['-xf', join(dir, 'i.tar'), '-C', dir, 'manifest.json']);
    const [m] = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    execFileSync('tar', ['-xf', join(dir, 'i.tar'), '-C', dir, m.Config]);
    return { config: JSON.parse(readFileSync(join(dir, m.Config), 'utf8')), layers: m.Layers.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const base = saved(BASE);
const baseHistory = base.config.history?.length ?? 0;
for (const name of process.argv.slice(2)) {
  const { config, layers } = saved(`tsdiff/${name}`);
  const c = Object.fromEntries(Object.entries(config.config ?? {}).filter(([, v]) => !empty(v)));
  const history = (config.history ?? []).slice(baseHistory).map((h) => `${h.empty_layer ? 'E' : ' '} ${h.created_by}`);
  process.stdout.write(`### ${name}\n\nconfig: \`${pyJson(c)}\`\n\nlayers: ${layers} (base ${base.layers})\n\n\`\`\`\n${history.join('\n')}\n\`\`\`\n\n`);
}
