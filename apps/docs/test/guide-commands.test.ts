/**
 * The hand-written pages quote `nidkit …` command lines. This test checks every quoted command
 * and flag against the built CLI's own definitions, so a renamed command or option breaks the
 * docs build instead of silently misleading a reader.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { DOCS_ROOT } from '../scripts/lib/paths.mjs';

/** Hand-written markdown pages (not generated ones). */
function handWrittenPages(): string[] {
  const files = ['index.md', 'results.md'].map((f) => join(DOCS_ROOT, f));
  for (const dir of ['guide', 'concepts']) {
    for (const f of readdirSync(join(DOCS_ROOT, dir)))
      if (f.endsWith('.md')) files.push(join(DOCS_ROOT, dir, f));
  }
  return files;
}

/** Every `nidkit …` invocation quoted in shell code blocks or inline code of a page. */
export function quotedInvocations(markdown: string): string[] {
  const found: string[] = [];
  const prose: string[] = [];
  let fence: { marker: string; shell: boolean } | null = null;
  for (const line of markdown.split('\n')) {
    const m = /^\s*(`{3,}|~{3,})\s*([\w-]*)/.exec(line);
    if (fence) {
      if (m?.[1]?.startsWith(fence.marker) && !m[2]) fence = null;
      else if (fence.shell) {
        const inv = /^\s*(?:\$\s+)?(?:pnpm\s+)?(nidkit\s.*)$/.exec(line)?.[1];
        if (inv) found.push(inv.trim());
      }
      continue;
    }
    if (m?.[1]) {
      fence = { marker: m[1], shell: ['sh', 'bash', 'shell', 'console', ''].includes(m[2] ?? '') };
      continue;
    }
    prose.push(line);
  }
  for (const span of prose.join('\n').matchAll(/`((?:pnpm\s+)?nidkit\s[^`]*)`/g)) {
    found.push((span[1] ?? '').replace(/^pnpm\s+/, ''));
  }
  return found;
}

/** Problems of one invocation against the program: unknown command, unknown flags. */
export function checkInvocation(program: Command, invocation: string): string[] {
  const tokens = invocation.split(/\s+/).slice(1);
  const name = tokens[0] ?? '';
  const command = program.commands.find((c) => c.name() === name || c.aliases().includes(name));
  if (!command) return [`${invocation}: no command "${name}"`];
  const problems: string[] = [];
  tokens.forEach((token, i) => {
    if (!/^--?[a-z]/i.test(token)) return;
    const flag = token.split('=')[0]!;
    if (flag === '--help' || flag === '-h') return;
    const option = command.options.find((o) => o.long === flag || o.short === flag);
    if (!option) {
      problems.push(`${invocation}: "${name}" has no option ${flag}`);
      return;
    }
    const value = token.includes('=') ? token.slice(token.indexOf('=') + 1) : tokens[i + 1];
    if (
      option.argChoices &&
      value !== undefined &&
      !value.startsWith('<') &&
      !option.argChoices.includes(value)
    ) {
      problems.push(
        `${invocation}: ${flag} accepts ${option.argChoices.join(', ')}, not "${value}"`,
      );
    }
  });
  return problems;
}

describe('commands quoted on the hand-written pages', () => {
  it('exist in the built CLI with every quoted option', async () => {
    const specifier = '@nidkit/cli/program';
    const { createProgram } = (await import(specifier)) as { createProgram: () => Command };
    const program = createProgram();
    const invocations = handWrittenPages().flatMap((f) =>
      quotedInvocations(readFileSync(f, 'utf8')).map((inv) => ({
        file: f.slice(DOCS_ROOT.length + 1),
        inv,
      })),
    );
    expect(invocations.length).toBeGreaterThan(10);
    const problems = invocations.flatMap(({ file, inv }) =>
      checkInvocation(program, inv).map((p) => `${file}: ${p}`),
    );
    expect(problems).toEqual([]);
  });

  it('the checker itself finds unknown commands and flags', async () => {
    const { Command: Cmd, Option } = await import('commander');
    const program = new Cmd('nidkit');
    program.command('lmc').option('--points <n>').option('-d, --data <spec>');
    expect(checkInvocation(program, 'nidkit lmc a b --points 3 -d mnist')).toEqual([]);
    expect(checkInvocation(program, 'nidkit lmc a b --pointz 3')).toEqual([
      'nidkit lmc a b --pointz 3: "lmc" has no option --pointz',
    ]);
    expect(checkInvocation(program, 'nidkit lcm a b')).toEqual([
      'nidkit lcm a b: no command "lcm"',
    ]);
    program.commands[0]!.addOption(new Option('--align <m>').choices(['activation', 'none']));
    expect(checkInvocation(program, 'nidkit lmc a b --align weight')).toEqual([
      'nidkit lmc a b --align weight: --align accepts activation, none, not "weight"',
    ]);
    expect(checkInvocation(program, 'nidkit lmc a b --align=none')).toEqual([]);
    expect(
      quotedInvocations('text `nidkit demo` and\n```sh\npnpm nidkit lmc a b --points 3\n```\n'),
    ).toEqual(['nidkit lmc a b --points 3', 'nidkit demo']);
  });
});

describe('the experiments table of the reproducing guide', () => {
  it('lists exactly the experiments of nidkit reproduce', async () => {
    const { importCli } = await import('../scripts/lib/modules.mjs');
    const loaded = await importCli('reproduce');
    expect(loaded.error).toBeUndefined();
    const { EXPERIMENTS } = loaded.mod as { EXPERIMENTS: readonly { name: string }[] };
    const page = readFileSync(join(DOCS_ROOT, 'guide', 'reproducing.md'), 'utf8');
    const listed = [...page.matchAll(/^\| `([a-z-]+)`\s*\|/gm)].map((m) => m[1]);
    expect(listed).toEqual(EXPERIMENTS.map((e) => e.name));
  });
});
