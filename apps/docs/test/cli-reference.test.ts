import { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  collectCommands,
  commandAnchor,
  helpText,
  renderCliReference,
} from '../scripts/lib/cli-reference.mjs';

/** A small program shaped like nidkit's: nested commands, arguments, choices, defaults, help text. */
function sampleProgram(): Command {
  const program = new Command('tool')
    .description('A sample tool.')
    .option('--verbose', 'talk more');
  program
    .command('lmc')
    .description('Interpolate two models.\nSecond line of detail.')
    .argument('<a>', 'model A')
    .argument('<b>', 'model B')
    .option('--points <n>', 'number of λ values', '37')
    .addOption(
      new Option('--alignment <mode>', 'alignment').choices([
        'none',
        'activation',
        'reference-anti',
      ]),
    )
    .requiredOption('--data <spec>', 'data set, e.g. mnist | gmm:k=8')
    .addHelpText('after', '\nExamples:\n  tool lmc a.onnx b.onnx --data mnist');
  const rep = program.command('reproduce').description('Reproduce an experiment.');
  rep
    .command('all')
    .description('Every experiment {at once}.')
    .argument('[files...]', 'extra <files>');
  program.addCommand(
    new Command('merge').description('Average models.').argument('<models...>', 'the models'),
  );
  return program;
}

describe('collectCommands', () => {
  it('lists every command depth first with its full path', () => {
    const paths = collectCommands(sampleProgram()).map((e) => e.path.join(' '));
    expect(paths).toEqual(['tool lmc', 'tool reproduce', 'tool reproduce all', 'tool merge']);
  });
});

describe('commandAnchor', () => {
  it('drops the program name and joins the rest', () => {
    expect(commandAnchor(['tool', 'reproduce', 'all'])).toBe('reproduce-all');
    expect(commandAnchor(['tool', 'lmc'])).toBe('lmc');
  });
});

describe('helpText', () => {
  it('captures the help exactly as --help prints it, including texts added after', () => {
    const lmc = sampleProgram().commands.find((c) => c.name() === 'lmc')!;
    const text = helpText(lmc);
    expect(text).toContain('Usage: tool lmc [options] <a> <b>');
    expect(text).toContain('--points <n>');
    expect(text).toContain('tool lmc a.onnx b.onnx --data mnist');
  });
});

describe('renderCliReference', () => {
  const md = renderCliReference(sampleProgram(), { title: 'CLI reference' });

  it('has a section with an anchor for every command, and an index row linking to it', () => {
    for (const [path, anchor] of [
      ['tool lmc', 'lmc'],
      ['tool reproduce', 'reproduce'],
      ['tool reproduce all', 'reproduce-all'],
      ['tool merge', 'merge'],
    ] as const) {
      expect(md).toContain(`## \`${path}\` {#${anchor}}`);
      expect(md).toContain(`[\`${path}\`](#${anchor})`);
    }
  });

  it('lists arguments, options, choices, defaults and required options', () => {
    expect(md).toContain('| `<a>` | yes | model A |');
    expect(md).toContain('| `[files...]` | no |');
    expect(md).toContain('| `--points <n>` | number of λ values | 37 |');
    expect(md).toContain('One of `none`, `activation`, `reference-anti`.');
    expect(md).toMatch(/`--data <spec>` \| data set, e\.g\. mnist \\\| gmm:k=8 \*\*Required\.\*\*/);
    expect(md).toContain('| `--verbose` | talk more |');
  });

  it('escapes text that Vue would parse as tags or interpolation, outside code', () => {
    expect(md).toContain('Every experiment &#123;at once&#125;.');
    expect(md).toContain('extra &lt;files&gt;');
    const outsideCode = md.replace(/```[\s\S]*?```/g, '').replace(/`[^`]*`/g, '');
    expect(outsideCode).not.toMatch(/<[a-z]/i);
    expect(outsideCode).not.toContain('{{');
  });

  it('keeps the full help text in a code block', () => {
    expect(md).toContain('```text\nUsage: tool reproduce all [options] [files...]');
  });
});
