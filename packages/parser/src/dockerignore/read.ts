import { cleanPath, trimSpace } from './clean.js';

/**
 * Parse `.dockerignore` text into patterns (patternmatcher `ignorefile.ReadAll`): a UTF-8 BOM on
 * the first line is dropped, lines starting with `#` are comments, lines are trimmed, blank ones
 * dropped, `! x` becomes `!x`, each pattern is `filepath.Clean`ed and a leading `/` removed
 * (patterns are relative to the context root). A bare `!` is kept (New() rejects it).
 */
export function readDockerignore(text: string): string[] {
  const patterns: string[] = [];
  const lines = text.split('\n');
  // bufio.ScanLines: a final empty line after the last newline is not a line
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, index) => {
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (index === 0 && line.startsWith('\ufeff')) line = line.slice(1);
    if (line.startsWith('#')) return;
    let pattern = trimSpace(line);
    if (pattern === '') return;
    const invert = pattern.startsWith('!');
    if (invert) pattern = trimSpace(pattern.slice(1));
    if (pattern.length > 0) {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    patterns.push(invert ? '!' + pattern : pattern);
  });
  return patterns;
}
