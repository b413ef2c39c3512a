/**
 * Fuzz: thousands of Dockerfiles made by mutating the repository's fixtures (line drops, swaps,
 * duplications, byte flips, splices, keyword case changes, inserted special characters) and by
 * random token soup, fed to `parse` and `lint`. No crash, no hang (each input is timed), and every
 * failure a typed ParseError with an E_* code and a location. Deterministic (seeded).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { lint } from '../../src/lint/index.js';
import { parse } from '../../src/parse.js';

const ROOT = join(import.meta.dirname, '../../../../fixtures');

function fixtures(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) fixtures(p, out);
    else if (e.isFile() && /^Dockerfile/.test(e.name)) out.push(readFileSync(p, 'utf8'));
  }
  return out;
}

const SPECIAL = ['\\', '`', '$', '${', '}', '"', "'", '[', ']', '=', '<<EOF', '\nEOF\n', '#', '# check=error=true\n', '# escape=`\n', '\t', '\r\n', '\u0000', 'é', ' AS ', ' as ', '--mount=type=cache,target=/x ', '--from=', '${A:-', '$((1))', '\\\n', '\n\n'];
const KEYWORDS = ['FROM', 'RUN', 'COPY', 'ADD', 'ENV', 'ARG', 'LABEL', 'CMD', 'ENTRYPOINT', 'EXPOSE', 'WORKDIR', 'USER', 'VOLUME', 'SHELL', 'HEALTHCHECK', 'ONBUILD', 'STOPSIGNAL', 'MAINTAINER'];

function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s % n;
  };
}

function mutate(text: string, corpus: string[], r: (n: number) => number): string {
  let lines = text.split('\n');
  const rounds = 1 + r(4);
  for (let k = 0; k < rounds; k++) {
    const i = r(Math.max(1, lines.length));
    switch (r(9)) {
      case 0: lines.splice(i, 1); break;
      case 1: lines.splice(i, 0, lines[r(lines.length)] ?? ''); break;
      case 2: { const j = r(lines.length); [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? '']; break; }
      case 3: { const l = lines[i] ?? ''; const at = r(l.length + 1); lines[i] = l.slice(0, at) + SPECIAL[r(SPECIAL.length)] + l.slice(at); break; }
      case 4: { const l = lines[i] ?? ''; if (l.length) { const at = r(l.length); lines[i] = l.slice(0, at) + String.fromCharCode(l.charCodeAt(at) ^ (1 << r(7))) + l.slice(at + 1); } break; }
      case 5: { const other = corpus[r(corpus.length)]!.split('\n'); lines = [...lines.slice(0, i), ...other.slice(r(other.length)), ...lines.slice(i)]; break; }
      case 6: lines[i] = (lines[i] ?? '').replace(/^\s*(\w+)/, (m) => (r(2) ? m.toLowerCase() : m[0] + m.slice(1).toLowerCase())); break;
      case 7: lines.splice(i, 0, `${KEYWORDS[r(KEYWORDS.length)]} ${SPECIAL[r(SPECIAL.length)]}${SPECIAL[r(SPECIAL.length)]}`); break;
      default: lines[i] = (lines[i] ?? '').slice(0, r((lines[i] ?? '').length + 1)); break;
    }
  }
  return lines.join('\n');
}

function soup(r: (n: number) => number): string {
  const out: string[] = [];
  for (let l = 0, n = 1 + r(10); l < n; l++) {
    const words = [KEYWORDS[r(KEYWORDS.length)]!];
    for (let w = 0, m = r(6); w < m; w++) words.push(r(2) ? SPECIAL[r(SPECIAL.length)]! : ['a', 'b', '$X', 'k=v', '/x', 'AS', 'c'][r(7)]!);
    out.push(words.join(r(5) ? ' ' : ''));
  }
  return out.join('\n');
}

describe('fuzz: parse and lint on mutated fixtures and random input', () => {
  it('never crash or hang; every failure is a typed ParseError with a location', () => {
    const corpus = fixtures(ROOT);
    expect(corpus.length).toBeGreaterThan(50);
    const r = rng(12);
    let inputs = 0;
    let parsedOk = 0;
    let warnings = 0;
    const codes = new Map<string, number>();
    let slowest = 0;
    const t0 = Date.now();
    for (let n = 0; n < 4000; n++) {
      const text = n % 4 === 3 ? soup(r) : mutate(corpus[r(corpus.length)]!, corpus, r);
      inputs++;
      const runs: (() => void)[] = [
        () => { parse(text); parsedOk++; },
        () => { warnings += lint(text, { ignorePatterns: ['secret', '*.log'], baseEnv: () => ['PATH=/bin'] }).warnings.length; },
      ];
      for (const fn of runs) {
        const t = performance.now();
        try {
          fn();
        } catch (e) {
          if (!(e instanceof ParseError) || !/^E_[A-Z_]+$/.test(e.code)) throw new Error(`input ${n}: not a typed error: ${(e as Error)?.stack}\n---\n${text}`);
          if (e.location) expect(e.location.line).toBeGreaterThanOrEqual(1);
          codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
        }
        slowest = Math.max(slowest, performance.now() - t);
      }
    }
    // the mutations must exercise both paths: valid Dockerfiles with lint findings, and errors
    expect(parsedOk).toBeGreaterThan(500);
    expect(warnings).toBeGreaterThan(500);
    expect(codes.size).toBeGreaterThan(3);
    expect(slowest, 'no single input may take long (a hang shows up here)').toBeLessThan(500);
    expect(inputs).toBe(4000);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });
});
