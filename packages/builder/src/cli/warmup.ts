/**
 * Run the pure parts of a build once while the startup snapshot is made (never at run time).
 * V8 compiles a function the first time it runs; a snapshot keeps the bytecode of what already
 * ran, so without this every warm `tsbuild build` would compile its flag parser, Dockerfile
 * parser, expander, .dockerignore matcher and cache-key code again. Only pure code runs here —
 * no I/O, no process state (the snapshot guard checks the latter).
 */
import { parseBuildFlags } from './commands/build.js';
import { parsePlan, planBuild } from '../plan/planBuild.js';
import { cacheKey, baseKey } from '../solve/cacheKey.js';
import { defaultIgnoreMatcher, readIgnoreLines } from '../context/ignoreMatcher.js';
import { lint } from '@tsbuild/parser';
import { displayCommand, stepPrefix } from '../solve/stepName.js';

const SAMPLE = [
  '# syntax=docker/dockerfile:1',
  'ARG BASE=scratch',
  'ARG VERSION=1.0',
  'FROM ${BASE} AS builder',
  'ARG VERSION',
  'ENV APP_HOME=/opt/app PATH=/usr/bin:/bin',
  'WORKDIR ${APP_HOME}/build',
  'COPY --chown=1000:1000 --chmod=0644 src/ ./src/',
  'COPY ["a b", "c", "/dst/"]',
  'ADD --checksum=sha256:0000000000000000000000000000000000000000000000000000000000000000 https://example.com/x.tar.gz /x/',
  'RUN --mount=type=cache,target=/root/.cache --mount=type=bind,source=/a,target=/b \\',
  '    mkdir -p out && echo "version=${VERSION:-none}" > out/version',
  'RUN ["/bin/sh", "-c", "true"]',
  'RUN <<EOT',
  'echo hello ${APP_HOME#/opt}',
  'EOT',
  'COPY <<END /etc/motd',
  'hi',
  'END',
  '',
  'FROM builder AS final',
  'LABEL org.example.a="b" c=d',
  'EXPOSE 8080/tcp 53/udp',
  'USER app:app',
  'VOLUME ["/data"]',
  'SHELL ["/bin/sh", "-c"]',
  'HEALTHCHECK --interval=30s --timeout=3s CMD true',
  'STOPSIGNAL SIGTERM',
  'ONBUILD RUN echo onbuild',
  'MAINTAINER someone',
  'ENTRYPOINT ["/bin/sh"]',
  'CMD ["-c", "echo ${GREETING}"]',
  'COPY --from=builder /opt/app/build/out/ ./out/',
  '',
].join('\n');

export function warmUp(): void {
  const parsedFlags = parseBuildFlags(['-t', 'app:1', '--build-arg', 'VERSION=2', '--progress', 'quiet', '--network', 'none', '--root', '/nonexistent', '--label', 'a=b', '/ctx'], {});
  const parsed = parsePlan({ text: SAMPLE, file: 'Dockerfile' }, { target: 'final' });
  const plan = planBuild(parsed, {
    target: 'final',
    buildArgs: parsedFlags.options.buildArgs,
    builtins: new Map([['TARGETPLATFORM', 'linux/amd64'], ['TARGETOS', 'linux'], ['TARGETARCH', 'amd64']]),
  });
  let parent = baseKey(undefined);
  for (const stage of plan.dockerfile.stages) {
    for (const instr of stage.instructions) parent = cacheKey({ parent, op: instr.kind, instruction: instr, env: ['A=b'], workdir: '/' });
  }
  // lint runs on every build (its warnings), step names on every step (the views read the clock: not here)
  lint(parsed.parsed, { ignorePatterns: ['node_modules', '*.md'], buildArgs: parsedFlags.options.buildArgs, baseEnv: () => undefined, stages: new Set(plan.graph.order) });
  const vars = { get: (k: string) => (k === 'APP_HOME' ? '/opt/app' : undefined) };
  let id = 0;
  for (const stage of plan.dockerfile.stages) for (const instr of stage.instructions) void (stepPrefix('final', ++id, 12) + displayCommand(instr, vars, '\\'));
  const ignore = defaultIgnoreMatcher(readIgnoreLines('# comment\nnode_modules\n**/*.log\n!keep.log\nlogs/\n'));
  for (const p of ['src/a.ts', 'node_modules/x', 'logs/a.log', 'keep.log', 'deep/dir/file.log']) ignore.matches(p);
}
