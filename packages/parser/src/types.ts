/**
 * Public shapes of @tsbuild/parser. Data flow:
 *   text ──parseAst──▶ Ast (raw, BuildKit-dumpable, private shape)
 *        ──toDockerfile──▶ Dockerfile { directives, globalArgs, stages: Stage[] }   (typed instructions, UNEXPANDED words)
 *        ──stageGraph──▶ StageGraph (deps, target resolution, needed stages)
 * Word expansion happens later, per instruction, through `expandInstruction(instr, lookup)` with
 * any `VarLookup`: the builder's ARG/ENV scoping (builder solve/vars.ts) feeds it (no I/O here).
 * Everything here is plain JSON-serialisable data.
 */

/** 1-based line and column, as shown to users. `end` is inclusive of the last line. */
export interface Position { line: number; column: number }
export interface SourceRange { start: Position; end: Position }

export interface Directives {
  syntax?: string;
  escape: '\\' | '`';
  /** raw value of `# check=` */
  check?: string;
}

export interface Heredoc {
  name: string;
  /** file descriptor for `3<<EOF` forms; undefined when absent */
  fileDescriptor?: number;
  /** false when any part of the delimiter was quoted */
  expand: boolean;
  /** `<<-`: leading tabs are removed from each line */
  chomp: boolean;
  /** body after chomping (`<<-` removes leading tabs), with its trailing newline */
  content: string;
  /** body exactly as written, before chomping (BuildKit's `Heredoc.Content`) */
  rawContent: string;
}

/** A command either in shell form (one string, run through SHELL) or exec (JSON) form. */
export type CommandLine =
  | { form: 'shell'; command: string; heredocs: Heredoc[] }
  | { form: 'exec'; args: string[] };

export type MountSpec =
  | { type: 'bind'; target: string; source?: string; from?: string; readwrite: boolean }
  | {
      type: 'cache'; target: string; id?: string; source?: string; from?: string; sharing: 'shared' | 'private' | 'locked'; readonly: boolean; uid?: number; gid?: number; mode?: number;
      /** uid, gid or mode was written (with `from` and no source BuildKit then makes an empty dir instead of using the whole state) */
      ownerSet?: true;
    }
  | { type: 'tmpfs'; target: string; size?: number }
  | { type: 'secret'; target?: string; id?: string; env?: string; required: boolean; uid?: number; gid?: number; mode?: number }
  | { type: 'ssh'; target?: string; id?: string; required: boolean; uid?: number; gid?: number; mode?: number };

interface Base<K extends string> {
  kind: K;
  range: SourceRange;
  /** the instruction's source text as written (continuations joined) */
  original: string;
}

export interface FromInstruction extends Base<'FROM'> { image: string; platform?: string; stageName?: string }
export interface RunInstruction extends Base<'RUN'> {
  cmd: CommandLine;
  mounts: MountSpec[];
  /** the `--mount` flag values as written (expanded and re-parsed by `expandInstruction`) */
  mountsRaw: string[];
  network?: 'default' | 'none' | 'host';
  security?: 'sandbox' | 'insecure';
}
export interface CmdInstruction extends Base<'CMD'> { cmd: CommandLine }
export interface EntrypointInstruction extends Base<'ENTRYPOINT'> { cmd: CommandLine }
export interface KeyValue { key: string; value: string }
export interface LabelInstruction extends Base<'LABEL'> { labels: KeyValue[] }
export interface MaintainerInstruction extends Base<'MAINTAINER'> { maintainer: string }
export interface ExposeInstruction extends Base<'EXPOSE'> { ports: string[] }
export interface EnvInstruction extends Base<'ENV'> { env: KeyValue[] }
export interface CopyFlags {
  from?: string;
  chown?: string;
  chmod?: string;
  link: boolean;
  parents: boolean;
  exclude: string[];
}
export interface CopyInstruction extends Base<'COPY'>, CopyFlags {
  sources: string[];
  dest: string;
  heredocs: Heredoc[];
}
export interface AddInstruction extends Base<'ADD'>, CopyFlags {
  sources: string[];
  dest: string;
  heredocs: Heredoc[];
  checksum?: string;
  keepGitDir: boolean;
  unpack?: boolean;
}
export interface VolumeInstruction extends Base<'VOLUME'> { volumes: string[] }
export interface UserInstruction extends Base<'USER'> { user: string }
export interface WorkdirInstruction extends Base<'WORKDIR'> { path: string }
export interface ArgDecl { name: string; /** undefined = no default */ value?: string }
export interface ArgInstruction extends Base<'ARG'> { args: ArgDecl[] }
export interface OnbuildInstruction extends Base<'ONBUILD'> { /** the trigger's source text, as stored in image config OnBuild */ expression: string; trigger: Instruction }
export interface StopsignalInstruction extends Base<'STOPSIGNAL'> { signal: string }
export interface HealthcheckInstruction extends Base<'HEALTHCHECK'> {
  /** NONE disables the inherited healthcheck */
  test: ['NONE'] | ['CMD', ...string[]] | ['CMD-SHELL', string];
  /** durations in nanoseconds, as in the image config; undefined = not given */
  interval?: number; timeout?: number; startPeriod?: number; startInterval?: number; retries?: number;
}
export interface ShellInstruction extends Base<'SHELL'> { shell: string[] }

export type Instruction =
  | FromInstruction | RunInstruction | CmdInstruction | EntrypointInstruction | LabelInstruction
  | MaintainerInstruction | ExposeInstruction | EnvInstruction | CopyInstruction | AddInstruction
  | VolumeInstruction | UserInstruction | WorkdirInstruction | ArgInstruction | OnbuildInstruction
  | StopsignalInstruction | HealthcheckInstruction | ShellInstruction;

export type InstructionKind = Instruction['kind'];

export interface Stage {
  index: number;
  /** lower-cased `AS name`, if any */
  name?: string;
  from: FromInstruction;
  /** instructions after FROM, in order */
  instructions: Instruction[];
  range: SourceRange;
}

/** A parsed Dockerfile: typed, unexpanded instructions grouped into stages (what `parse()` returns). */
export interface Dockerfile {
  /** file name used in error locations */
  file: string;
  /** parser directives (`# syntax=`, `# escape=`, `# check=`) */
  directives: Directives;
  /** ARGs before the first FROM */
  globalArgs: ArgInstruction[];
  /** the build stages, one per FROM, in order */
  stages: Stage[];
  /** what BuildKit would warn about while parsing (deprecated forms, empty continuation lines) */
  warnings: ParseWarning[];
}

export interface ParseWarning { message: string; range?: SourceRange; rule?: string }

/** Edges between stages: FROM <stage>, COPY --from=<stage>, RUN --mount from=<stage>. */
export interface StageDependency { from: number; to: number; via: 'FROM' | 'COPY' | 'ADD' | 'MOUNT' }
export interface StageGraph {
  /** index of the target stage */
  target: number;
  /** stage indices needed to build the target, in a valid build order (deps first) */
  order: number[];
  /** for each stage index: the stage indices it depends on directly */
  deps: Map<number, number[]>;
  edges: StageDependency[];
}

/** Variable lookup used by word expansion. */
export interface VarLookup {
  get(name: string): string | undefined;
}
