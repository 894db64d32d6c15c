import { Command, type Option } from 'commander';
import { VouchError } from '../../errors.js';
import type { CommandContext, CommandRegistration } from '../context.js';

/** One command of the completion tree: its name, summary, flags and subcommands. */
interface Node {
  name: string;
  summary: string;
  flags: Array<{ long: string; short?: string; summary: string; takesValue: boolean }>;
  subcommands: Node[];
}

/** Every command's loader, as commands/index.ts lists them (passed in, so this module does not import its own loader). */
export type CommandLoaders = ReadonlyArray<{ load: () => Promise<CommandRegistration> }>;

/** `vouch completion bash|zsh|fish`: a completion script for the shell, built from the command tree. */
export const completionRegistration =
  (commandLoaders: CommandLoaders): CommandRegistration =>
  (program: Command, ctx: CommandContext): void =>
    registerCompletion(program, ctx, commandLoaders);

function registerCompletion(program: Command, ctx: CommandContext, commandLoaders: CommandLoaders): void {
  program
    .command('completion')
    .description(
      'print a shell completion script: bash, zsh or fish (e.g. vouch completion bash > /etc/bash_completion.d/vouch)',
    )
    .argument('<shell>', 'bash | zsh | fish')
    .action(async (shell: string) => {
      const root = new Command('vouch');
      for (const c of commandLoaders) (await c.load())(root, ctx);
      const tree = root.commands.map(toNode);
      switch (shell) {
        case 'bash':
          ctx.io.stdout.write(bashScript(tree));
          return;
        case 'zsh':
          ctx.io.stdout.write(zshScript(tree));
          return;
        case 'fish':
          ctx.io.stdout.write(fishScript(tree));
          return;
        default:
          throw new VouchError('USAGE', `completion ${shell}: expected bash, zsh or fish`);
      }
    });
}

function toNode(c: Command): Node {
  return {
    name: c.name(),
    summary: c.description().split('\n')[0] ?? '',
    flags: c.options.flatMap((o: Option) =>
      o.long === undefined
        ? []
        : [
            {
              long: o.long,
              ...(o.short !== undefined ? { short: o.short } : {}),
              summary: o.description,
              takesValue: o.required || o.optional,
            },
          ],
    ),
    subcommands: c.commands.map(toNode),
  };
}

const words = (nodes: readonly Node[]): string => nodes.map((n) => n.name).join(' ');
const flagWords = (n: Node): string =>
  n.flags.flatMap((f) => [f.long, ...(f.short ? [f.short] : [])]).join(' ');

function bashScript(tree: readonly Node[]): string {
  const cases = tree.flatMap((n) => [
    `    ${n.name}) opts="${flagWords(n)}"; subs="${words(n.subcommands)}";;`,
    ...n.subcommands.map((s) => `    "${n.name} ${s.name}") opts="${flagWords(s)}"; subs="";;`),
  ]);
  return `# bash completion for vouch (vouch completion bash)
_vouch() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" key opts="" subs=""
  if [[ \${COMP_CWORD} -eq 1 ]]; then
    COMPREPLY=( $(compgen -W "${words(tree)}" -- "$cur") ); return
  fi
  key="\${COMP_WORDS[1]}"
  if [[ \${COMP_CWORD} -gt 2 && -n "\${COMP_WORDS[2]}" && "\${COMP_WORDS[2]}" != -* ]]; then key="\${COMP_WORDS[1]} \${COMP_WORDS[2]}"; fi
  case "$key" in
${cases.join('\n')}
    *) case "\${COMP_WORDS[1]}" in
${tree.map((n) => `         ${n.name}) opts="${flagWords(n)}"; subs="${words(n.subcommands)}";;`).join('\n')}
       esac;;
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  elif [[ -n "$subs" && \${COMP_CWORD} -eq 2 ]]; then COMPREPLY=( $(compgen -W "$subs" -- "$cur") )
  else COMPREPLY=( $(compgen -f -- "$cur") ); fi
}
complete -o filenames -F _vouch vouch
`;
}

const zq = (s: string): string => s.replace(/'/g, "'\\''").replace(/[[\]:]/g, '\\$&');

function zshArgs(n: Node): string {
  return n.flags
    .map((f) => `'${f.long}[${zq(f.summary)}]${f.takesValue ? ':value:_files' : ''}'`)
    .concat(["'*:file:_files'"])
    .join(' ');
}

function zshScript(tree: readonly Node[]): string {
  const described = (nodes: readonly Node[]): string =>
    nodes.map((n) => `'${n.name}:${zq(n.summary)}'`).join(' ');
  const cases = tree.map((n) =>
    n.subcommands.length > 0
      ? `    ${n.name})
      if (( CURRENT == 3 )); then local -a subs; subs=(${described(n.subcommands)}); _describe 'subcommand' subs; return; fi
      case $words[3] in
${n.subcommands.map((s) => `        ${s.name}) _arguments ${zshArgs(s)};;`).join('\n')}
      esac;;`
      : `    ${n.name}) _arguments ${zshArgs(n)};;`,
  );
  return `#compdef vouch
# zsh completion for vouch (vouch completion zsh > "\${fpath[1]}/_vouch")
_vouch() {
  if (( CURRENT == 2 )); then local -a cmds; cmds=(${described(tree)}); _describe 'command' cmds; return; fi
  case $words[2] in
${cases.join('\n')}
  esac
}
compdef _vouch vouch
`;
}

const fq = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function fishScript(tree: readonly Node[]): string {
  const lines = [
    '# fish completion for vouch (vouch completion fish > ~/.config/fish/completions/vouch.fish)',
  ];
  for (const n of tree) {
    lines.push(`complete -c vouch -f -n '__fish_use_subcommand' -a ${n.name} -d ${fq(n.summary)}`);
    for (const f of n.flags) {
      lines.push(
        `complete -c vouch -n '__fish_seen_subcommand_from ${n.name}' -l ${f.long.slice(2)}${f.short ? ` -s ${f.short.slice(1)}` : ''}${f.takesValue ? ' -r' : ''} -d ${fq(f.summary)}`,
      );
    }
    for (const s of n.subcommands) {
      lines.push(
        `complete -c vouch -f -n '__fish_seen_subcommand_from ${n.name}' -a ${s.name} -d ${fq(s.summary)}`,
      );
      for (const f of s.flags) {
        lines.push(
          `complete -c vouch -n '__fish_seen_subcommand_from ${n.name}; and __fish_seen_subcommand_from ${s.name}' -l ${f.long.slice(2)}${f.takesValue ? ' -r' : ''} -d ${fq(f.summary)}`,
        );
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
