import { describe, expect, it } from 'vitest';
import { rewriteSidebarLinks } from '../scripts/lib/api.mjs';
import { adaptReadme } from '../scripts/lib/readmes.mjs';

const ctx = {
  fromDir: '/repo/packages/merging',
  repoRoot: '/repo',
  linkFor: (abs: string) =>
    abs === '/repo/packages/core/README.md' ? '/packages/core' : undefined,
};

describe('adaptReadme', () => {
  it('wraps the README in v-pre so that {{ }} is not interpolated by Vue', () => {
    const out = adaptReadme('# x\n\nvalue {{ a }}\n', ctx);
    expect(out.startsWith('<div v-pre>\n\n# x')).toBe(true);
    expect(out.trimEnd().endsWith('</div>')).toBe(true);
  });

  it('escapes stray tags in prose but not in code spans or fences', () => {
    const md =
      'Returns Array<number> and `Map<string, T>`.\n\n```ts\nconst x: Array<number> = [];\n```\n';
    const out = adaptReadme(md, ctx);
    expect(out).toContain('Returns Array&lt;number> and `Map<string, T>`.');
    expect(out).toContain('const x: Array<number> = [];');
  });

  it('turns autolinks into markdown links', () => {
    expect(adaptReadme('see <https://example.org/a>', ctx)).toContain(
      'see [https://example.org/a](https://example.org/a)',
    );
  });

  it('maps links to other package READMEs onto their pages and names other repository files', () => {
    const out = adaptReadme(
      '[core](../core/README.md#api) and [example](./examples/readme.ts) and [web](https://x.org)',
      ctx,
    );
    expect(out).toContain('[core](/packages/core#api)');
    expect(out).toContain('example (`packages/merging/examples/readme.ts`)');
    expect(out).toContain('[web](https://x.org)');
  });

  it('leaves ~~~ and longer fences intact', () => {
    const md = '~~~\n<b>\n~~~\n````md\n```\n<i>\n```\n````\nafter <x>';
    const out = adaptReadme(md, ctx);
    expect(out).toContain('~~~\n<b>\n~~~');
    expect(out).toContain('```\n<i>\n```\n````');
    expect(out).toContain('after &lt;x>');
  });
});

describe('rewriteSidebarLinks', () => {
  it('serves generated pages without the generated/ prefix, recursively', () => {
    const out = rewriteSidebarLinks([
      {
        text: 'a',
        link: '/generated/api/core/index.md',
        items: [{ text: 'b', link: '/generated/api/core/b.md' }],
      },
    ]);
    expect(out).toEqual([
      { text: 'a', link: '/api/core/index.md', items: [{ text: 'b', link: '/api/core/b.md' }] },
    ]);
  });
});

describe('adaptSummary', () => {
  it('drops the repeated title, moves headings below h3 and unlinks run files', async () => {
    const { adaptSummary } = await import('../scripts/lib/results.mjs');
    const md =
      '## My run\n\ntext [plot.svg](plot.svg) and [web](https://x.org)\n\n### Trends\n\n- ok\n';
    const out = adaptSummary(md, 'My run');
    expect(out).not.toContain('My run');
    expect(out).toContain('#### Trends');
    expect(out).toContain('text plot.svg and [web](https://x.org)');
  });
});

describe('fixTableRow', () => {
  it('escapes absolute-value bars inside cells and keeps the separators', async () => {
    const { fixTableRow } = await import('../scripts/lib/readmes.mjs');
    expect(fixTableRow('| κ | max |signed √T| | n |')).toBe('| κ | max \\|signed √T\\| | n |');
    expect(fixTableRow('| a | `x|y` | b |')).toBe('| a | `x|y` | b |');
    expect(fixTableRow('| a | already \\|x\\| |')).toBe('| a | already \\|x\\| |');
    expect(fixTableRow('text |x| here')).toBe('text |x| here');
    expect(fixTableRow('| --- | --- |')).toBe('| --- | --- |');
  });
});
