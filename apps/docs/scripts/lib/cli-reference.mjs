// @ts-check
/**
 * CLI reference generated from the CLI's own commander definitions (`createProgram()`), using only
 * commander's public API: `commands`, `name()`, `description()`, `usage()`, `aliases()`,
 * `registeredArguments`, `options`, and `outputHelp()` (which includes texts added with
 * `addHelpText`, e.g. the examples).
 */

/**
 * @typedef {import('commander').Command} Command
 * @typedef {{ path: string[], command: Command }} CommandEntry
 */

/**
 * Every command of a program, depth first, with its full path (`['nidkit', 'lmc']`).
 * The program itself is not included.
 * @param {Command} program
 * @returns {CommandEntry[]}
 */
export function collectCommands(program) {
  /** @type {CommandEntry[]} */
  const out = [];
  /** @param {Command} cmd @param {string[]} prefix */
  const walk = (cmd, prefix) => {
    for (const sub of cmd.commands) {
      const path = [...prefix, sub.name()];
      out.push({ path, command: sub });
      walk(sub, path);
    }
  };
  walk(program, [program.name()]);
  return out;
}

/**
 * The anchor of a command's section (`nidkit reproduce all` → `reproduce-all`).
 * @param {string[]} path
 * @returns {string}
 */
export function commandAnchor(path) {
  return path
    .slice(1)
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-');
}

/**
 * Text that goes into a markdown table cell or paragraph: no Vue tags, no table breaks.
 * @param {string} s
 * @returns {string}
 */
function cell(s) {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\{/g, '&#123;')
    .replace(/\}/g, '&#125;')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ');
}

/**
 * Inline code that is safe inside a table cell.
 * @param {string} s
 * @returns {string}
 */
function code(s) {
  return '`' + s.replace(/\|/g, '\\|') + '`';
}

/**
 * The help text exactly as `<command> --help` prints it (without writing to the terminal).
 * @param {Command} cmd
 * @returns {string}
 */
export function helpText(cmd) {
  let text = '';
  cmd.configureOutput({
    writeOut: (s) => {
      text += s;
    },
    writeErr: (s) => {
      text += s;
    },
    getOutHelpWidth: () => 100,
    getErrHelpWidth: () => 100,
    getOutHasColors: () => false,
    getErrHasColors: () => false,
  });
  cmd.outputHelp();
  return text.trimEnd();
}

/**
 * @param {unknown} v
 * @returns {string}
 */
function showDefault(v) {
  if (v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * Renders the reference page of a commander program.
 * @param {Command} program
 * @param {{ title?: string, intro?: string }} [opts]
 * @returns {string} markdown
 */
export function renderCliReference(program, opts = {}) {
  const name = program.name();
  const entries = collectCommands(program);
  const lines = [
    `# ${opts.title ?? `${name} CLI reference`}`,
    '',
    opts.intro ??
      `Generated at build time from the CLI's own command definitions (\`createProgram()\`), so every command and option below is the one the built \`${name}\` accepts.`,
    '',
    '| command | what it does |',
    '|---|---|',
    ...entries.map(
      (e) =>
        `| [\`${e.path.join(' ')}\`](#${commandAnchor(e.path)}) | ${cell(firstLine(e.command.description()))} |`,
    ),
    '',
    '## Global options',
    '',
    ...optionTable(program),
    '',
  ];
  for (const { path, command } of entries) {
    lines.push(`## \`${path.join(' ')}\` {#${commandAnchor(path)}}`, '');
    const desc = command.description();
    if (desc) lines.push(cell(desc), '');
    const aliases = command.aliases();
    if (aliases.length > 0) lines.push(`Aliases: ${aliases.map((a) => code(a)).join(', ')}`, '');
    lines.push('```sh', `${path.join(' ')} ${command.usage()}`.trimEnd(), '```', '');
    const args = command.registeredArguments;
    if (args.length > 0) {
      lines.push(
        '**Arguments**',
        '',
        '| argument | required | description | default |',
        '|---|---|---|---|',
      );
      for (const a of args) {
        const inner = `${a.name()}${a.variadic ? '...' : ''}`;
        const shown = a.required ? `<${inner}>` : `[${inner}]`;
        const choices = a.argChoices
          ? ` (one of ${a.argChoices.map((c) => code(c)).join(', ')})`
          : '';
        lines.push(
          `| ${code(shown)} | ${a.required ? 'yes' : 'no'} | ${cell(a.description ?? '')}${choices} | ${cell(showDefault(a.defaultValue))} |`,
        );
      }
      lines.push('');
    }
    lines.push(...optionTable(command), '');
    const subs = command.commands.map((c) => c.name());
    if (subs.length > 0) {
      lines.push(
        `Subcommands: ${subs.map((s) => `[\`${s}\`](#${commandAnchor([...path, s])})`).join(', ')}`,
        '',
      );
    }
    lines.push(
      '::: details Full help text',
      '',
      '```text',
      helpText(command),
      '```',
      '',
      ':::',
      '',
    );
  }
  return lines.join('\n');
}

/**
 * @param {string} s
 * @returns {string}
 */
function firstLine(s) {
  return (s.split('\n')[0] ?? '').trim();
}

/**
 * The options table of one command (or a sentence when it has none).
 * @param {Command} command
 * @returns {string[]}
 */
function optionTable(command) {
  const options = command.options.filter((o) => !o.hidden);
  if (options.length === 0) return ['No options besides `--help`.'];
  const rows = ['**Options**', '', '| option | description | default |', '|---|---|---|'];
  for (const o of options) {
    const choices = o.argChoices ? ` One of ${o.argChoices.map((c) => code(c)).join(', ')}.` : '';
    const mandatory = o.mandatory ? ' **Required.**' : '';
    rows.push(
      `| ${code(o.flags)} | ${cell(o.description)}${choices}${mandatory} | ${cell(showDefault(o.defaultValue))} |`,
    );
  }
  return rows;
}
