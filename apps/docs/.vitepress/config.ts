import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitepress';
import type { DefaultTheme } from 'vitepress';

const docsRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The subset of generated/manifest.json the navigation needs (scripts/generate.mjs writes it). */
interface Manifest {
  api: {
    generated: { name: string; short: string; link: string; sidebar: DefaultTheme.SidebarItem[] }[];
  };
  readmes: { name: string; short: string; link: string }[];
}

function readManifest(): Manifest {
  const file = join(docsRoot, 'generated', 'manifest.json');
  if (!existsSync(file)) return { api: { generated: [] }, readmes: [] };
  return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
}

const manifest = readManifest();

const guide: DefaultTheme.SidebarItem[] = [
  {
    text: 'Guide',
    items: [
      { text: 'Getting started', link: '/guide/getting-started' },
      { text: 'Analyze your own PyTorch models', link: '/guide/own-models' },
      { text: 'Train the asymmetric models', link: '/guide/training' },
      { text: 'Reproduce the paper', link: '/guide/reproducing' },
      { text: 'Speed and threads', link: '/guide/performance' },
    ],
  },
  {
    text: 'Concepts',
    items: [
      { text: 'Overview and vocabulary', link: '/concepts/' },
      { text: 'Effective function classes', link: '/concepts/function-classes' },
      { text: 'Realization and swap cost', link: '/concepts/costs' },
      { text: 'Neuron identifiability', link: '/concepts/identifiability' },
      { text: 'Subspace coherence', link: '/concepts/coherence' },
      { text: 'LMC and barriers', link: '/concepts/lmc-barriers' },
      { text: 'Differences from the reference code', link: '/concepts/differences' },
    ],
  },
  { text: 'Results', items: [{ text: 'Paper targets and nidkit runs', link: '/results' }] },
];

const reference: DefaultTheme.SidebarItem[] = [
  {
    text: 'Reference',
    items: [
      { text: 'CLI reference', link: '/reference/cli' },
      { text: 'API reference', link: '/api/' },
      { text: 'Packages', link: '/packages/' },
    ],
  },
  {
    text: 'READMEs',
    collapsed: false,
    items: manifest.readmes.map((r) => ({ text: r.name, link: r.link })),
  },
  {
    text: 'API',
    collapsed: false,
    items: manifest.api.generated.map((p) => ({
      text: p.name,
      link: p.link,
      ...(p.sidebar.length > 0 ? { collapsed: true, items: p.sidebar } : {}),
    })),
  },
];

export default defineConfig({
  title: 'nidkit',
  description:
    'Neuron identifiability and linear mode connectivity: can two independently trained networks be merged by averaging?',
  lang: 'en-US',
  cleanUrls: true,
  lastUpdated: false,
  head: [['link', { rel: 'icon', type: 'image/svg+xml', href: '/favicon.svg' }]],
  // Generated pages live in generated/ (gitignored) and are served as if they were hand-written.
  rewrites: {
    'generated/:path(.*)': ':path',
  },
  srcExclude: ['README.md', 'test-output/**', 'scripts/**', 'test/**', 'generated/results/**'],
  markdown: {
    // MathJax (markdown-it-mathjax3) renders $…$ and $$…$$ to SVG at build time.
    math: true,
  },
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/getting-started' },
      { text: 'Concepts', link: '/concepts/' },
      { text: 'Results', link: '/results' },
      { text: 'CLI', link: '/reference/cli' },
      { text: 'API', link: '/api/' },
    ],
    sidebar: {
      '/guide/': guide,
      '/concepts/': guide,
      '/results': guide,
      '/reference/': reference,
      '/api/': reference,
      '/packages/': reference,
    },
    outline: { level: [2, 3] },
    search: { provider: 'local' },
    footer: {
      message:
        'nidkit implements Bürgin, Herbst, Lin & Jegelka, “Beyond Structural Symmetries: Linear Mode Connectivity via Neuron Identifiability” (ICML 2026).',
    },
  },
});
