// Shell completion. kubectl (1.26+) completes `kubectl workflowrun <TAB>` by running `kubectl_complete-workflowrun`
// with the words typed after the plugin name, the last one being the word under the cursor, and reading Cobra's
// `__complete` protocol back: one candidate per line (`value<TAB>description`), then `:<directive>`. The same
// answer serves `kubectl-workflowrun __complete ...`, which the scripts of `completion bash|zsh` call.
import type { Command, Option } from 'commander';
import { Argument } from 'commander';
import { EXIT_OK } from '../cmdutil/errors.ts';
import { definedEntries, newCommand, setAction } from '../cmdutil/command.ts';
import type { Factory, IOStreams } from '../cmdutil/factory.ts';
import type { ConnectionFlags, KubeClient, Plural } from '../kube.ts';

/** Cobra's ShellCompDirective bits. */
export const DIRECTIVE_DEFAULT = 0; // the shell may fall back to file names
export const DIRECTIVE_NO_FILE = 4;

export interface Completion {
  candidates: string[];
  directive: number;
}

export interface CompleteOptions {
  io: IOStreams;
  words: string[];
  /** The command tree to complete against (the real one, built without side effects). */
  root: () => Command;
  kubeClient: (flags: ConnectionFlags) => Promise<KubeClient>;
}

export function newCompleteCommand(
  factory: Factory,
  runF?: (opts: CompleteOptions) => Promise<number>,
): Command {
  const command = newCommand('__complete', factory)
    .description('print completion candidates for the words typed so far (Cobra protocol)')
    .argument('[words...]')
    .allowUnknownOption()
    .passThroughOptions()
    .helpOption(false);
  return setAction(
    command,
    factory,
    (_args, cmd: Command): CompleteOptions => ({
      io: factory.io,
      words: cmd.args,
      root: () => cmd.parent!,
      kubeClient: factory.kubeClient,
    }),
    runComplete,
    runF,
  );
}

export async function runComplete(opts: CompleteOptions): Promise<number> {
  const { candidates, directive } = await complete(opts.words, opts.root(), opts.kubeClient);
  opts.io.stdout.write(candidates.map((candidate) => `${candidate}\n`).join('') + `:${directive}\n`);
  return EXIT_OK;
}

const FILE_FLAGS = new Set(['--filename', '--values', '--workflow-file', '--kubeconfig']);

/** Candidates for the last of `words` (possibly empty), given the words before it. */
export async function complete(
  words: readonly string[],
  root: Command,
  kubeClient: (flags: ConnectionFlags) => Promise<KubeClient>,
): Promise<Completion> {
  const typed = words.slice(0, -1);
  const current = words[words.length - 1] ?? '';
  let command = root;
  const positionals: string[] = [];
  const values = new Map<string, string>();
  let pending: Option | undefined;

  for (const word of typed) {
    if (pending) {
      values.set(pending.attributeName(), word);
      pending = undefined;
      continue;
    }
    if (word.startsWith('-') && word !== '-') {
      const [flag, inline] = splitFlag(word);
      const option = findOption(command, flag) ?? findOption(root, flag);
      if (option && (option.required || option.optional)) {
        if (inline !== undefined) values.set(option.attributeName(), inline);
        else if (option.required) pending = option;
      }
      continue;
    }
    const sub =
      command === root
        ? root.commands.find((c) => c.name() === word || c.aliases().includes(word))
        : undefined;
    if (sub) command = sub;
    else positionals.push(word);
  }

  if (pending) return optionValues(pending, current, '');
  if (current.startsWith('-')) {
    const [flag, inline] = splitFlag(current);
    if (inline !== undefined) {
      const option = findOption(command, flag) ?? findOption(root, flag);
      return option ? optionValues(option, inline, `${flag}=`) : none();
    }
    return {
      candidates: flagNames(command, root).filter((name) => name.startsWith(current)),
      directive: DIRECTIVE_NO_FILE,
    };
  }
  if (command === root) {
    const candidates = root.commands
      .filter((c) => !c.name().startsWith('__') && c.name().startsWith(current))
      .map((c) => `${c.name()}\t${c.description().split('\n', 1)[0]}`);
    return { candidates, directive: DIRECTIVE_NO_FILE };
  }
  const argument: Argument | undefined = command.registeredArguments[positionals.length];
  if (!argument) return none();
  if (argument.argChoices) return choose(argument.argChoices, current, '');
  const source = CLUSTER_ARGUMENTS[`${command.name()} ${argument.name()}`];
  if (!source) return none();
  try {
    const kube = await kubeClient(
      definedEntries({ kubeconfig: values.get('kubeconfig'), context: values.get('context') }),
    );
    const names = await source(kube, values.get('namespace') ?? kube.defaultNamespace, values.get('kind'));
    return {
      candidates: names.filter((name) => name.startsWith(current)).sort(),
      directive: DIRECTIVE_NO_FILE,
    };
  } catch {
    // No cluster, no permission: completing nothing is better than printing an error into the command line.
    return none();
  }
}

type NameSource = (kube: KubeClient, namespace: string, kind: string | undefined) => Promise<string[]>;

const listNames = async (kube: KubeClient, plural: Plural, namespace?: string) =>
  (await kube.list(namespace === undefined ? { plural } : { plural, namespace })).items
    .map((item) => (item.metadata as { name?: unknown } | undefined)?.name)
    .filter((name): name is string => typeof name === 'string');

const workflowNames: NameSource = async (kube, namespace, kind) => {
  const clusterScoped =
    kind === undefined ? (await kube.resources()).has('clusterworkflows') : kind === 'ClusterWorkflow';
  return clusterScoped ? listNames(kube, 'clusterworkflows') : listNames(kube, 'workflows', namespace);
};

const runNames: NameSource = (kube, namespace) => listNames(kube, 'workflowruns', namespace);

/** Positional arguments whose values live in the cluster, by `<command> <argument>`. */
const CLUSTER_ARGUMENTS: Record<string, NameSource> = {
  'describe name': runNames,
  'wait name': runNames,
  'rerun run': runNames,
  'create workflow': workflowNames,
  'params workflow': workflowNames,
};

function splitFlag(word: string): [string, string | undefined] {
  const equals = word.indexOf('=');
  return equals < 0 ? [word, undefined] : [word.slice(0, equals), word.slice(equals + 1)];
}

function findOption(command: Command, flag: string): Option | undefined {
  return command.options.find((option) => option.long === flag || option.short === flag);
}

function flagNames(command: Command, root: Command): string[] {
  const options = command === root ? root.options : [...command.options, ...root.options];
  const names = new Set<string>();
  for (const option of options) if (option.long && !option.hidden) names.add(option.long);
  names.add('--help');
  return [...names];
}

function optionValues(option: Option, current: string, prefix: string): Completion {
  if (option.argChoices) return choose(option.argChoices, current, prefix);
  if (option.long && FILE_FLAGS.has(option.long)) return { candidates: [], directive: DIRECTIVE_DEFAULT };
  return none();
}

function choose(choices: readonly string[], current: string, prefix: string): Completion {
  return {
    candidates: choices.filter((choice) => choice.startsWith(current)).map((choice) => prefix + choice),
    directive: DIRECTIVE_NO_FILE,
  };
}

function none(): Completion {
  return { candidates: [], directive: DIRECTIVE_NO_FILE };
}

// ---------------------------------------------------------------------------------------------------------------
// `completion bash|zsh`: scripts for the standalone `kubectl-workflowrun` executable. Through kubectl (1.26+) no
// script is needed beyond kubectl's own: it runs `kubectl_complete-workflowrun`.

const BASH_SCRIPT = `# bash completion for kubectl-workflowrun; load with: source <(kubectl-workflowrun completion bash)
_kubectl_workflowrun() {
  local cur words cword
  if declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
    _get_comp_words_by_ref -n =: cur words cword
  else
    cur="\${COMP_WORDS[COMP_CWORD]}"; words=("\${COMP_WORDS[@]}"); cword=$COMP_CWORD
  fi
  local out directive
  out=$(kubectl-workflowrun __complete "\${words[@]:1:cword}" 2>/dev/null) || return
  directive=\${out##*:}
  out=\${out%:*}
  local IFS=$'\\n'
  COMPREPLY=($(compgen -W "$(printf '%s\\n' "$out" | cut -f1)" -- "$cur"))
  if [ \${#COMPREPLY[@]} -eq 0 ] && [ $(( directive & ${DIRECTIVE_NO_FILE} )) -eq 0 ]; then
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o default -F _kubectl_workflowrun kubectl-workflowrun
`;

const ZSH_SCRIPT = `#compdef kubectl-workflowrun
# zsh completion for kubectl-workflowrun; load with: source <(kubectl-workflowrun completion zsh)
_kubectl_workflowrun() {
  local out directive line value description
  local -a lines candidates
  out=$(kubectl-workflowrun __complete "\${(@)words[2,CURRENT]}" 2>/dev/null) || return 1
  lines=("\${(@f)out}")
  directive=\${lines[-1]#:}
  candidates=()
  for line in "\${(@)lines[1,-2]}"; do
    value=\${line%%$'\\t'*}
    description=\${line#*$'\\t'}
    if [[ $value == "$line" ]]; then
      candidates+=("\${value//:/\\\\:}")
    else
      candidates+=("\${value//:/\\\\:}:$description")
    fi
  done
  if (( \${#candidates} )); then
    _describe 'kubectl-workflowrun' candidates
  elif (( (directive & ${DIRECTIVE_NO_FILE}) == 0 )); then
    _files
  fi
}
if [[ $funcstack[1] == _kubectl_workflowrun ]]; then
  _kubectl_workflowrun "$@"
else
  compdef _kubectl_workflowrun kubectl-workflowrun
fi
`;

export interface CompletionOptions {
  io: IOStreams;
  shell: 'bash' | 'zsh';
}

export function newCompletionCommand(
  factory: Factory,
  runF?: (opts: CompletionOptions) => Promise<number>,
): Command {
  const command = newCommand('completion', factory)
    .summary('Print a shell completion script (bash or zsh)')
    .description(
      'Print a shell completion script for the kubectl-workflowrun executable.\n\n' +
        'For `kubectl workflowrun <TAB>` kubectl 1.26+ needs no script of ours: keep kubectl_complete-workflowrun ' +
        "on PATH (make install-plugin puts it there) and load kubectl's own completion.",
    )
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(['bash', 'zsh']));
  return setAction(
    command,
    factory,
    ([shell]): CompletionOptions => ({ io: factory.io, shell: shell as CompletionOptions['shell'] }),
    runCompletion,
    runF,
  );
}

export async function runCompletion(opts: CompletionOptions): Promise<number> {
  opts.io.stdout.write(opts.shell === 'bash' ? BASH_SCRIPT : ZSH_SCRIPT);
  return EXIT_OK;
}
