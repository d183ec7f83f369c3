// @ts-check
/**
 * Package READMEs rendered as site pages (/packages/<short>). The README is the single source:
 * the generator copies it and only makes it safe for VitePress (Vue templates) and rewrites
 * relative links that would not exist on the site.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { REPO_ROOT, GENERATED } from './paths.mjs';

/**
 * Escapes text that is not inside code so that Vue's template compiler (which VitePress runs on
 * every page) sees no stray tags: `<` becomes `&lt;` except in autolinks, which become links.
 * @param {string} text a non-code piece of a markdown line
 * @returns {string}
 */
function escapeProse(text) {
  return text.replace(/<(https?:\/\/[^>\s]+)>/g, '[$1]($1)').replace(/</g, '&lt;');
}

/**
 * In a table row written with spaced cell separators (`| a | b |`), a `|` that does not stand
 * between spaces is part of the text, e.g. an absolute value `|signed √T|`; GFM would read it as
 * a cell separator and break the table, so it is escaped. Inline code is left alone.
 * @param {string} line
 * @returns {string}
 */
export function fixTableRow(line) {
  if (!/^\| .* \|\s*$/.test(line)) return line;
  let out = '';
  let inCode = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '`') inCode = !inCode;
    const separator =
      i === 0 || i === line.trimEnd().length - 1 || (line[i - 1] === ' ' && line[i + 1] === ' ');
    out += c === '|' && !inCode && !separator && line[i - 1] !== '\\' ? '\\|' : c;
  }
  return out;
}

/**
 * Makes a README safe for a VitePress page and fixes its relative links.
 * @param {string} markdown README text
 * @param {object} ctx
 * @param {string} ctx.fromDir absolute directory of the README (for resolving relative links)
 * @param {(absPath: string) => string | undefined} ctx.linkFor site link for a repository path, if it has one
 * @param {string} [ctx.repoRoot] root used to print repository-relative paths
 * @returns {string}
 */
export function adaptReadme(markdown, ctx) {
  const repoRoot = ctx.repoRoot ?? REPO_ROOT;
  /** @param {string} line */
  const fixLinks = (line) =>
    line.replace(/(!?)\[([^\]]*)\]\(([^)\s]+)(\s+"[^"]*")?\)/g, (whole, bang, label, target) => {
      if (/^([a-z]+:|#|\/)/i.test(target)) return whole;
      const [pathPart, hash] = String(target).split('#');
      const abs = resolve(ctx.fromDir, pathPart ?? '');
      const site = ctx.linkFor(abs);
      if (site) return `${bang}[${label}](${site}${hash ? '#' + hash : ''})`;
      // A file of the repository that the site does not serve: name it instead of linking.
      const rel = relative(repoRoot, abs).split('\\').join(posix.sep);
      return `${label} (\`${rel}\`)`;
    });
  const out = [];
  let fence = '';
  for (const line of markdown.split('\n')) {
    const m = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence) {
      out.push(line);
      if (m && m[1] && m[1][0] === fence[0] && m[1].length >= fence.length) fence = '';
      continue;
    }
    if (m && m[1]) {
      fence = m[1];
      out.push(line);
      continue;
    }
    // Split on inline code spans; only prose is escaped.
    const parts = fixLinks(fixTableRow(line)).split(/(`+[^`]*`+)/);
    out.push(parts.map((p, i) => (i % 2 === 1 ? p : escapeProse(p))).join(''));
  }
  // v-pre: no Vue interpolation of `{{ … }}` anywhere in the README.
  return ['<div v-pre>', '', out.join('\n').trimEnd(), '', '</div>', ''].join('\n');
}

/**
 * Writes generated/packages/<short>.md for every package with a README, plus an index page.
 * @param {import('./packages.mjs').WorkspacePackage[]} packages
 * @param {Set<string>} apiShorts packages whose API page was generated
 * @param {(msg: string) => void} log
 * @returns {{ name: string, short: string, link: string }[]}
 */
export function generateReadmes(packages, apiShorts, log) {
  const withReadme = packages.filter((p) => p.hasReadme);
  // The command line (apps/cli) is private but its README is the user's first stop: render it too.
  const cliDir = join(REPO_ROOT, 'apps', 'cli');
  if (existsSync(join(cliDir, 'README.md'))) {
    withReadme.push({
      name: '@nidkit/cli',
      short: 'cli',
      dir: cliDir,
      description: 'The nidkit command line.',
      hasIndex: false,
      hasReadme: true,
    });
  }
  /** @param {string} abs */
  const linkFor = (abs) => {
    for (const p of withReadme) {
      if (abs === join(p.dir, 'README.md') || abs === p.dir) return `/packages/${p.short}`;
    }
    if (abs === join(REPO_ROOT, 'README.md') || abs === REPO_ROOT) return '/';
    for (const p of packages) {
      // "API" links in READMEs point at the package's docs/api folder or similar; send them to ours.
      if (apiShorts.has(p.short) && /\/(api|docs)(\/|$)/.test(abs) && abs.startsWith(p.dir))
        return `/api/${p.short}/`;
    }
    return undefined;
  };
  const pages = [];
  for (const p of withReadme) {
    const text = readFileSync(join(p.dir, 'README.md'), 'utf8');
    const body = adaptReadme(text, { fromDir: p.dir, linkFor });
    const source = relative(REPO_ROOT, join(p.dir, 'README.md')).split('\\').join('/');
    const footer =
      p.short === 'cli'
        ? `\n---\n\nRendered from \`${source}\`. Every command and option: [CLI reference](/reference/cli).\n`
        : apiShorts.has(p.short)
          ? `\n---\n\nRendered from \`${source}\`. Full API: [${p.name} API](/api/${p.short}/).\n`
          : `\n---\n\nRendered from \`${source}\`.\n`;
    const fm = `---\ntitle: ${JSON.stringify(p.name)}\n---\n\n`;
    writeFileSync(join(GENERATED, 'packages', `${p.short}.md`), fm + body + footer);
    pages.push({ name: p.name, short: p.short, link: `/packages/${p.short}` });
    log(`readme: ${p.name} → /packages/${p.short}`);
  }
  // The reproduce runner documents its experiments and its latest small-scale run in a README.
  const reproduceReadme = join(REPO_ROOT, 'apps', 'cli', 'src', 'reproduce', 'README.md');
  if (existsSync(reproduceReadme)) {
    const body = adaptReadme(readFileSync(reproduceReadme, 'utf8'), {
      fromDir: dirname(reproduceReadme),
      linkFor,
    });
    const footer =
      "\n---\n\nRendered from `apps/cli/src/reproduce/README.md`. The paper's targets: [results](/results).\n";
    writeFileSync(
      join(GENERATED, 'reference', 'reproduce.md'),
      `---\ntitle: "nidkit reproduce"\n---\n\n${body}${footer}`,
    );
    pages.push({ name: 'nidkit reproduce', short: 'reproduce', link: '/reference/reproduce' });
    log('readme: apps/cli/src/reproduce → /reference/reproduce');
  }
  const missing = packages.filter((p) => !p.hasReadme);
  const index = [
    '# Packages',
    '',
    'Each package’s README, rendered from the repository at build time. Their examples are run by',
    'each package’s own test suite, so what you read here is code that was executed.',
    '',
    '| package | what it does | API |',
    '|---|---|---|',
    ...(withReadme.some((p) => p.short === 'cli')
      ? [
          '| [@nidkit/cli](/packages/cli) | The `nidkit` command line (private app). | [CLI reference](/reference/cli) |',
        ]
      : []),
    ...packages.map((p) => {
      const readme = p.hasReadme ? `[${p.name}](/packages/${p.short})` : `\`${p.name}\``;
      const api = apiShorts.has(p.short) ? `[API](/api/${p.short}/)` : '—';
      return `| ${readme} | ${p.description.replace(/[<>|]/g, ' ')} | ${api} |`;
    }),
    '',
    ...(missing.length > 0
      ? ['::: info', `No README yet: ${missing.map((p) => `\`${p.name}\``).join(', ')}.`, ':::', '']
      : []),
  ];
  writeFileSync(join(GENERATED, 'packages', 'index.md'), index.join('\n'));
  return pages;
}
