/**
 * The documentation site in a real browser: build it (generation + `vitepress build`), serve the
 * output on 127.0.0.1, open every page in headless Chromium (Debian's /usr/bin/chromium through
 * playwright-core; no downloaded browser) and check what a reader would notice: console errors,
 * broken internal links and anchors, unrendered formulas, missing plots, an incomplete CLI
 * reference, missing API or README pages. Screenshots of the home and concepts pages go to
 * test-output/.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectCommands } from '../scripts/lib/cli-reference.mjs';
import { listPackages } from '../scripts/lib/packages.mjs';
import { DIST, DOCS_ROOT, MANIFEST } from '../scripts/lib/paths.mjs';
import { resolveSitePath, serveStatic } from './serve.js';

const OUTPUT = join(DOCS_ROOT, 'test-output');
const CHROMIUM = '/usr/bin/chromium';

interface PageReport {
  path: string;
  title: string;
  errors: string[];
  links: string[];
  ids: string[];
  math: number;
  svgImages: { src: string; loaded: boolean; isSvg: boolean }[];
  headings: string[];
  text: string;
  /** Text outside code blocks. */
  proseText: string;
}

interface Manifest {
  cli: { commands: { path: string; anchor: string }[]; error?: string };
  results: { experiments: { name: string; svgs: string[] }[]; example: boolean; errors: string[] };
  demo: { svgs: string[]; error?: string };
}

/** Runs a command in apps/docs; rejects with the end of its output when it fails. */
function run(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: DOCS_ROOT,
      // The full site: every experiment, nothing reused (whatever the developer's shell says).
      env: {
        ...process.env,
        NO_COLOR: '1',
        NIDKIT_DOCS_EXPERIMENTS: 'all',
        NIDKIT_DOCS_REUSE: '0',
      },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`node ${args.join(' ')} exited with ${code}:\n${out.slice(-4000)}`)),
    );
  });
}

/** URL paths of every page of the built site (VitePress cleanUrls form). */
function sitePages(): string[] {
  const pages: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const abs = join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      else if (e.name.endsWith('.html') && abs !== join(DIST, '404.html')) {
        const rel = relative(DIST, abs).split('\\').join('/');
        pages.push('/' + rel.replace(/(^|\/)index\.html$/, '$1').replace(/\.html$/, ''));
      }
    }
  };
  walk(DIST);
  return pages.sort();
}

/** The page key of a site file (`concepts/index.html` → `/concepts/`). */
function pageKey(file: string): string {
  const rel = relative(DIST, file).split('\\').join('/');
  return '/' + rel.replace(/(^|\/)index\.html$/, '$1').replace(/\.html$/, '');
}

async function visit(page: Page, base: string, path: string): Promise<PageReport> {
  const errors: string[] = [];
  const onConsole = (msg: { type(): string; text(): string; location(): { url: string } }) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()} (${msg.location().url})`);
  };
  const onPageError = (err: Error) => errors.push(`page error: ${err.message}`);
  const onResponse = (res: { url(): string; status(): number }) => {
    if (res.url().startsWith(base) && res.status() >= 400)
      errors.push(`HTTP ${res.status()} ${res.url()}`);
  };
  // Navigating to the next page aborts VitePress's link prefetches; that is not a failure.
  const onFailed = (req: { url(): string; failure(): { errorText: string } | null }) => {
    const reason = req.failure()?.errorText ?? 'unknown';
    if (reason !== 'net::ERR_ABORTED') errors.push(`request failed (${reason}): ${req.url()}`);
  };
  page.on('console', onConsole);
  page.on('pageerror', onPageError);
  page.on('response', onResponse);
  page.on('requestfailed', onFailed);
  try {
    await page.goto(base + path, { waitUntil: 'load' });
    await page.waitForLoadState('networkidle');
    const data = await page.evaluate(async () => {
      const svgImages = await Promise.all(
        Array.from(document.querySelectorAll('.vp-doc img'))
          .map((img) => img as HTMLImageElement)
          .filter((img) => /svg/i.test(img.src))
          .map(async (img) => {
            const body = await fetch(img.src).then((r) => r.text());
            return {
              src: img.src.slice(0, 120),
              loaded: img.complete && img.naturalWidth > 0,
              isSvg: /<svg[\s>]/.test(body),
            };
          }),
      );
      return {
        title: document.title,
        links: Array.from(document.querySelectorAll('a[href]')).map(
          (a) => (a as HTMLAnchorElement).href,
        ),
        ids: Array.from(document.querySelectorAll('[id]')).map((e) => e.id),
        math: document.querySelectorAll('.vp-doc mjx-container svg').length,
        svgImages,
        headings: Array.from(document.querySelectorAll('.vp-doc h1, .vp-doc h2, .vp-doc h3')).map(
          (h) => (h.textContent ?? '').replace(/\u200b/g, '').trim(),
        ),
        text: document.querySelector<HTMLElement>('.vp-doc')?.innerText ?? document.body.innerText,
        proseText: (() => {
          const doc = document.querySelector('.vp-doc')?.cloneNode(true) as HTMLElement | undefined;
          doc?.querySelectorAll('pre').forEach((pre) => pre.remove());
          return doc?.textContent ?? '';
        })(),
      };
    });
    return { path, errors, ...data };
  } finally {
    page.off('console', onConsole);
    page.off('pageerror', onPageError);
    page.off('response', onResponse);
    page.off('requestfailed', onFailed);
  }
}

let browser: Browser | undefined;
let server: { url: string; close: () => Promise<void> } | undefined;
let manifest: Manifest;
const reports = new Map<string, PageReport>();

beforeAll(async () => {
  await run(['scripts/generate.mjs']);
  await run([join('node_modules', 'vitepress', 'bin', 'vitepress.js'), 'build']);
  manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Manifest;
  server = await serveStatic(DIST);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const base = server.url;
  const queue = sitePages();
  // Two tabs at a time: the machine is shared.
  await Promise.all(
    [0, 1].map(async () => {
      const page = await context.newPage();
      for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
        reports.set(path, await visit(page, base, path));
      }
      await page.close();
    }),
  );
  mkdirSync(OUTPUT, { recursive: true });
  const shot = await context.newPage();
  for (const [name, path] of [
    ['home', '/'],
    ['concepts', '/concepts/'],
  ] as const) {
    await shot.goto(base + path, { waitUntil: 'networkidle' });
    await shot.screenshot({ path: join(OUTPUT, `${name}.png`), fullPage: true });
  }
  await context.close();
}, 1_200_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function report(path: string): PageReport {
  const r = reports.get(path);
  if (!r) throw new Error(`page ${path} was not built; pages: ${[...reports.keys()].join(', ')}`);
  return r;
}

describe('every page', () => {
  it('was opened (the site has the hand-written pages)', () => {
    for (const path of [
      '/',
      '/guide/getting-started',
      '/guide/own-models',
      '/guide/training',
      '/guide/reproducing',
      '/concepts/',
      '/concepts/function-classes',
      '/concepts/costs',
      '/concepts/identifiability',
      '/concepts/coherence',
      '/concepts/lmc-barriers',
      '/concepts/differences',
      '/results',
      '/reference/cli',
      '/api/',
      '/packages/',
    ]) {
      expect(report(path).title).toContain('nidkit');
    }
  });

  it('logs no console errors, page errors or failed requests', () => {
    const problems = [...reports.values()].flatMap((r) => r.errors.map((e) => `${r.path}: ${e}`));
    expect(problems).toEqual([]);
  });

  it('has only internal links that resolve, to existing pages and anchors', () => {
    const base = server!.url;
    const broken: string[] = [];
    for (const r of reports.values()) {
      for (const href of r.links) {
        if (!href.startsWith(base)) continue;
        const url = new URL(href);
        const file = resolveSitePath(DIST, url.pathname);
        if (!file) {
          broken.push(`${r.path} → ${url.pathname} (no such page)`);
          continue;
        }
        const hash = decodeURIComponent(url.hash.slice(1));
        if (!hash || !file.endsWith('.html')) continue;
        const target = reports.get(pageKey(file));
        if (target && !target.ids.includes(hash))
          broken.push(`${r.path} → ${url.pathname}#${hash} (no such anchor)`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('markdown', () => {
  it('left no table unrendered (a broken table shows its | --- | row as text)', () => {
    const raw = [...reports.values()]
      .filter((r) => /\|\s*:?-{3,}:?\s*\|/.test(r.proseText))
      .map((r) => r.path);
    expect(raw).toEqual([]);
  });
});

describe('concepts pages', () => {
  it('render their formulas with MathJax (SVG)', () => {
    const concepts = [...reports.keys()].filter((p) => p.startsWith('/concepts/'));
    expect(concepts.length).toBeGreaterThanOrEqual(7);
    for (const path of concepts) expect(report(path).math, path).toBeGreaterThan(0);
    expect(report('/concepts/lmc-barriers').math).toBeGreaterThan(10);
  });

  it('state the vocabulary, the barrier definitions and the differences from the reference', () => {
    const vocab = report('/concepts/').text;
    for (const term of [
      'realization cost',
      'swap cost',
      'neuron identifiability',
      'coherence ν',
      'compatible masks',
    ]) {
      expect(vocab).toContain(term);
    }
    const barriers = report('/concepts/lmc-barriers').text;
    for (const name of [
      'lossBarrier',
      'midpointLossBarrier',
      'accuracyBarrierPp',
      'midpointAccuracyBarrierPp',
      'accuracyDropPp',
      'relativeAccuracyDropPct',
    ]) {
      expect(barriers).toContain(name);
    }
    expect(barriers).toContain('-15.7895');
    const diff = report('/concepts/differences').text;
    for (const phrase of [
      'Real alignment',
      'Per-layer κ',
      'Permutations include fixed parts',
      'Anisotropy bound',
    ]) {
      expect(diff).toContain(phrase);
    }
  });
});

describe('results page', () => {
  it('shows the paper targets with their provenance note', () => {
    const text = report('/results').text;
    expect(text).toContain('Provenance and status');
    expect(text).toContain('not bit-exact values');
    expect(text).toContain('94.55');
  });

  it('shows plots computed during the build, as SVG', () => {
    const r = report('/results');
    expect(manifest.results.example).toBe(true);
    const expected = 2 + manifest.results.experiments.reduce((n, e) => n + e.svgs.length, 0);
    expect(r.svgImages.length).toBe(expected);
    for (const img of r.svgImages) {
      expect(img.loaded, img.src).toBe(true);
      expect(img.isSvg, img.src).toBe(true);
    }
    // The concepts page shows the same worked example.
    expect(report('/concepts/lmc-barriers').svgImages.length).toBe(2);
  });

  it('ran every nidkit reproduce experiment without errors', () => {
    expect(manifest.results.errors).toEqual([]);
    expect(manifest.results.experiments.length).toBeGreaterThan(0);
    for (const e of manifest.results.experiments) expect(e.svgs.length, e.name).toBeGreaterThan(0);
  });
});

describe('getting started', () => {
  it('shows the output and the plots of a nidkit demo run made during the build', () => {
    expect(manifest.demo.error).toBeUndefined();
    const r = report('/guide/getting-started');
    expect(r.text).toContain('nidkit demo');
    expect(r.text).toMatch(/standard MLP/);
    expect(r.svgImages.length).toBe(manifest.demo.svgs.length);
    expect(r.svgImages.length).toBeGreaterThan(0);
    for (const img of r.svgImages) {
      expect(img.loaded, img.src).toBe(true);
      expect(img.isSvg, img.src).toBe(true);
    }
  });
});

describe('reference pages', () => {
  it('the CLI reference lists every command of the built CLI', async () => {
    const specifier = '@nidkit/cli/program';
    const { createProgram } = (await import(specifier)) as { createProgram: () => Command };
    const commands = collectCommands(createProgram()).map((e) => e.path.join(' '));
    expect(commands.length).toBeGreaterThan(0);
    expect(manifest.cli.commands.map((c) => c.path)).toEqual(commands);
    const page = report('/reference/cli');
    for (const c of commands) expect(page.headings, c).toContain(c);
    for (const c of manifest.cli.commands) expect(page.ids, c.path).toContain(c.anchor);
  });

  it('has an API page for every package with a src/index.ts and a page for every README', () => {
    const packages = listPackages();
    expect(packages.length).toBeGreaterThan(0);
    for (const p of packages) {
      if (p.hasIndex) expect(report(`/api/${p.short}/`).text.length, p.name).toBeGreaterThan(200);
      if (p.hasReadme) expect(report(`/packages/${p.short}`).text, p.name).toContain(p.name);
    }
    if (existsSync(join(DOCS_ROOT, '..', 'cli', 'src', 'reproduce', 'README.md'))) {
      expect(report('/reference/reproduce').text).toContain('nidkit reproduce');
    }
    if (existsSync(join(DOCS_ROOT, '..', 'cli', 'README.md')))
      expect(report('/packages/cli').text).toContain('@nidkit/cli');
  });
});
