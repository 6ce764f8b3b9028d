import { commandTable } from '../args.js';

/**
 * `smollama completion bash|zsh`: a completion script built from the CLI's own command table
 * (args.ts), so a new command or flag completes without anyone editing a script.
 *   bash: eval "$(smollama completion bash)"   (or save it to /etc/bash_completion.d/smollama)
 *   zsh:  eval "$(smollama completion zsh)"    (uses bashcompinit)
 */
export function completionScript(shell: 'bash' | 'zsh'): string {
  const bash = bashScript();
  if (shell === 'bash') return bash;
  // zsh runs the bash function through bashcompinit: one script, one table, both shells.
  return ['#compdef smollama', 'autoload -U +X compinit && compinit', 'autoload -U +X bashcompinit && bashcompinit', bash].join('\n');
}

const quote = (words: readonly string[]) => `'${words.join(' ').replace(/'/g, "'\\''")}'`;

function bashScript(): string {
  const table = commandTable();
  const top = [...new Set(table.map((c) => c.name.split(' ')[0]!)), 'help'];
  const groups = new Map<string, string[]>();
  for (const c of table) {
    const [group, sub] = c.name.split(' ');
    if (sub !== undefined) groups.set(group!, [...(groups.get(group!) ?? []), sub]);
  }
  // One case arm per command (`journal tail`) with its flags; one per group with its subcommands.
  const flagArms = table.map((c) => `    ${quote([c.name])}) flags=${quote(c.options)} ;;`);
  const groupArms = [...groups].map(([g, subs]) => `    ${g}) subs=${quote(subs)} ;;`);
  return `# smollama shell completion (generated from the command table; smollama completion bash)
_smollama() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local words=() w
  for w in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case "$w" in -*) ;; *) words+=("$w") ;; esac
  done
  local subs="" flags=""
  if [ \${#words[@]} -eq 0 ]; then
    COMPREPLY=($(compgen -W ${quote(top)} -- "$cur"))
    return
  fi
  case "\${words[0]}" in
${groupArms.join('\n')}
  esac
  if [ -n "$subs" ] && [ \${#words[@]} -eq 1 ] && [[ "$cur" != -* ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
    return
  fi
  local name="\${words[0]}"
  [ -n "$subs" ] && name="\${words[0]} \${words[1]}"
  [ "\${words[0]}" = help ] && { COMPREPLY=($(compgen -W ${quote(top)} -- "$cur")); return; }
  case "$name" in
${flagArms.join('\n')}
  esac
  case "$cur" in
    -*) COMPREPLY=($(compgen -W "$flags" -- "$cur")) ;;
    *) COMPREPLY=($(compgen -f -- "$cur")) ;;
  esac
}
complete -F _smollama smollama
`;
}
