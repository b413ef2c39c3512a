import { describe, expect, it } from 'vitest';
import { expandInstruction, parse, type AddInstruction, type CopyInstruction } from '@tsbuild/parser';
import { copyHistory } from '../../src/dispatch/copyHistory.js';

const instr = (line: string) => {
  const i = parse(`FROM busybox\n${line}\n`).stages[0]!.instructions[0] as CopyInstruction | AddInstruction;
  return expandInstruction(i, { get: (k) => ({ U: 'app', M: '640' } as Record<string, string>)[k] });
};

describe('copyHistory (current BuildKit dispatchCopy commitMessage)', () => {
  it('shows --parents, --chown, --chmod expanded, in that order; not --from, --link, --exclude, --checksum', () => {
    expect(copyHistory(instr('COPY --chmod=$M --from=x --link --exclude=*.md --chown=$U:$U --parents a b /d/'))).toBe('COPY --parents --chown=app:app --chmod=640 a b /d/ # buildkit');
    expect(copyHistory(instr('ADD --checksum=sha256:0000000000000000000000000000000000000000000000000000000000000000 https://example.com/f /f'))).toBe('ADD https://example.com/f /f # buildkit');
  });
  it('lists inline files after the paths as <<NAME (delimiter quoting and <<- dropped)', () => {
    expect(copyHistory(instr('COPY <<-"EOF" a.txt <<X /d/\n\tx\n\tEOF\ny\nX'))).toBe('COPY a.txt <<EOF <<X /d/ # buildkit');
  });
});
