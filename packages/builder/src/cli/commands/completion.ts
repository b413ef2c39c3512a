/**
 * tsbuild completion bash|zsh — a completion script for the shell: commands, build's flags and
 * their values (progress modes, network modes, output types), files and directories elsewhere.
 * Install: `source <(tsbuild completion bash)`, or write it to your shell's completion directory.
 */
import { UsageError } from '../errors.js';
import { commandNames } from '../main.js';

const USAGE = `Usage: tsbuild completion bash|zsh

Print a shell completion script. Load it with:
  bash:  source <(tsbuild completion bash)
  zsh:   source <(tsbuild completion zsh)
`;

const BUILD_FLAGS = ['--tag', '--file', '--build-arg', '--build-context', '--target', '--no-cache', '--no-cache-filter', '--cache-to', '--cache-from', '--pull', '--load', '--network', '--add-host', '--shm-size', '--ssh', '--ulimit', '--annotation', '--secret', '--label',
  '--platform', '--progress', '--explain', '--check', '--call', '--output', '--iidfile', '--metadata-file', '--root', '--jobs', '--runtime', '--quiet', '--rewrite-timestamp', '--debug', '--help'];
const VALUES: Record<string, string[]> = {
  '--progress': ['auto', 'plain', 'tty', 'quiet', 'rawjson'],
  '--network': ['none', 'host'],
  '--runtime': ['auto', 'unshare', 'runc', 'crun'],
  '--call': ['build', 'check', 'targets', 'outline'],
  '--output': ['type=image', 'type=local,dest=', 'type=tar,dest=', 'type=oci,dest=', 'type=docker,dest='],
  '-o': ['type=image', 'type=local,dest=', 'type=tar,dest=', 'type=oci,dest=', 'type=docker,dest='],
};

export function bashScript(): string {
  const cases = Object.entries(VALUES).map(([f, v]) => `    ${f}) COMPREPLY=( $(compgen -W "${v.join(' ')}" -- "$cur") ); return ;;`).join('\n');
  return `# tsbuild bash completion
_tsbuild() {
  local cur prev cmd i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd=""
  for ((i=1; i<COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      ${commandNames().join('|')}) cmd="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  case "$prev" in
${cases}
    -f|--file|--iidfile|--metadata-file) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
    --root) COMPREPLY=( $(compgen -d -- "$cur") ); return ;;
  esac
  if [[ -z "$cmd" && "$cur" != -* ]]; then
    COMPREPLY=( $(compgen -W "${commandNames().join(' ')}" -- "$cur") $(compgen -d -- "$cur") )
    return
  fi
  if [[ "$cur" == -* ]]; then
    case "$cmd" in
      ""|build) COMPREPLY=( $(compgen -W "${BUILD_FLAGS.join(' ')}" -- "$cur") ) ;;
      completion) ;;
      *) COMPREPLY=( $(compgen -W "--root --help --debug" -- "$cur") ) ;;
    esac
    return
  fi
  case "$cmd" in
    completion) COMPREPLY=( $(compgen -W "bash zsh" -- "$cur") ) ;;
    *) COMPREPLY=( $(compgen -f -- "$cur") ) ;;
  esac
}
complete -o filenames -F _tsbuild tsbuild
`;
}

export function zshScript(): string {
  // zsh runs bash completion functions through bashcompinit: one script to keep right
  return `#compdef tsbuild
# tsbuild zsh completion (through bashcompinit)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashScript()}`;
}

export async function run(argv: string[]): Promise<number> {
  const args = argv.filter((a) => a !== '--debug');
  if (args.includes('--help') || args.includes('-h')) return void process.stdout.write(USAGE), 0;
  if (args.length !== 1 || (args[0] !== 'bash' && args[0] !== 'zsh')) throw new UsageError(`completion needs a shell: bash or zsh${args[0] ? ` (not ${JSON.stringify(args[0])})` : ''}`);
  process.stdout.write(args[0] === 'bash' ? bashScript() : zshScript());
  return 0;
}
