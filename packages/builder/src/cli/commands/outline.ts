/**
 * `tsbuild build --call targets` and `--call outline` (buildx's subrequests): the Dockerfile's
 * stages, and what a build of the target takes — its build args with their defaults, the secrets
 * and ssh ids its RUN steps mount. A description is the comment right above a FROM or ARG that
 * starts with the stage's or arg's name (`# build compiles the app`), as BuildKit reads it.
 */
import { parse, parseAst, stageGraph, type Dockerfile } from '@tsbuild/parser';

export interface OutlineRequest { text: string; file: string; target?: string }

/** Comments right above each instruction line, from the raw AST. */
function commentsByLine(text: string, file: string): Map<number, string[]> {
  return new Map(parseAst(text, { file }).children.map((n) => [n.range.start.line, n.comments]));
}

function description(comments: string[] | undefined, name: string | undefined): string {
  const c = comments?.[comments.length - 1];
  if (!c || !name) return '';
  const [first, ...rest] = c.trim().split(/\s+/);
  return first === name ? rest.join(' ') : '';
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('').trimEnd()).join('\n');
}

export function targets(req: OutlineRequest): string {
  const df = parse(req.text, { file: req.file });
  const comments = commentsByLine(req.text, req.file);
  const last = df.stages[df.stages.length - 1]!;
  const rows = [['TARGET', 'DESCRIPTION']];
  for (const s of df.stages) {
    if (!s.name && s !== last) continue;
    const name = s.name ?? 'default';
    rows.push([`${name}${s === last ? ' (default)' : ''}`, description(comments.get(s.from.range.start.line), s.name)]);
  }
  return `${table(rows)}\n`;
}

export function outline(req: OutlineRequest): string {
  const df: Dockerfile = parse(req.text, { file: req.file });
  const comments = commentsByLine(req.text, req.file);
  const graph = stageGraph(df, req.target !== undefined ? { target: req.target } : {});
  const target = df.stages[graph.target]!;
  const args = new Map<string, { value: string; description: string }>();
  for (const a of df.globalArgs) for (const d of a.args) args.set(d.name, { value: d.value ?? '', description: description(comments.get(a.range.start.line), d.name) });
  const secrets = new Map<string, boolean>();
  const ssh = new Map<string, boolean>();
  for (const i of graph.order) {
    for (const ins of df.stages[i]!.instructions) {
      if (ins.kind === 'ARG') for (const d of ins.args) args.set(d.name, { value: d.value ?? args.get(d.name)?.value ?? '', description: description(comments.get(ins.range.start.line), d.name) || (args.get(d.name)?.description ?? '') });
      if (ins.kind !== 'RUN') continue;
      for (const m of ins.mounts) {
        if (m.type === 'secret') {
          const id = m.id ?? m.target?.split('/').pop() ?? m.env ?? '';
          secrets.set(id, (secrets.get(id) ?? false) || m.required);
        }
        if (m.type === 'ssh') ssh.set(m.id ?? 'default', (ssh.get(m.id ?? 'default') ?? false) || m.required);
      }
    }
  }
  let out = `TARGET:      ${target.name ?? 'default'}\n`;
  const desc = description(comments.get(target.from.range.start.line), target.name);
  if (desc) out += `DESCRIPTION: ${desc}\n`;
  if (args.size) out += `\n${table([['BUILD ARG', 'VALUE', 'DESCRIPTION'], ...[...args].map(([k, v]) => [k, v.value, v.description])])}\n`;
  if (secrets.size) out += `\n${table([['SECRET', 'REQUIRED'], ...[...secrets].map(([k, r]) => [k, r ? 'true' : ''])])}\n`;
  if (ssh.size) out += `\n${table([['SSH', 'REQUIRED'], ...[...ssh].map(([k, r]) => [k, r ? 'true' : ''])])}\n`;
  return out;
}
