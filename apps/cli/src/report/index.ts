/**
 * The report folder every data-producing command can write with `--out <dir>`: the result as
 * JSON, its plots as SVG, any further files (e.g. an aligned ONNX model), and an `index.html`
 * that shows the summary and links everything (relative links, so the folder can be moved).
 */
import { join } from 'node:path';
import { checkOutputPath, toJson, writeFileAtomic } from '../io/output.js';
import type { WriteOptions } from '../io/output.js';

/** One SVG plot of a report. */
export interface ReportPlot {
  /** File name inside the report folder, e.g. `lmc-accuracy.svg`. */
  readonly file: string;
  readonly title: string;
  /** One or two sentences telling the reader what to look for. */
  readonly caption?: string;
  readonly svg: string;
}

/** Any further file of a report (an ONNX model, a training log). */
export interface ReportFile {
  readonly file: string;
  readonly title: string;
  readonly data: string | Uint8Array;
}

/** What {@link writeReport} writes. */
export interface Report {
  readonly title: string;
  /** The human-readable summary (the same text the command prints), shown preformatted. */
  readonly summary: string;
  /** The machine-readable result, written as `result.json`. */
  readonly json: unknown;
  readonly plots?: readonly ReportPlot[];
  readonly files?: readonly ReportFile[];
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Writes a report folder: `result.json`, each plot's SVG, each extra file and `index.html`.
 * Every path is checked before anything is written, so a refused overwrite leaves no half report.
 * @param dir - the report folder (created when missing)
 * @param report - title, summary, JSON, plots and files
 * @param options - `force` to replace existing files; the command's `inputs`
 * @returns the paths written, `index.html` last
 * @throws OutputFileError when a file exists (without force) or would overwrite an input
 */
export async function writeReport(
  dir: string,
  report: Report,
  options: WriteOptions = {},
): Promise<string[]> {
  const entries: { file: string; data: string | Uint8Array }[] = [
    { file: 'result.json', data: toJson(report.json) },
    ...(report.plots ?? []).map((p) => ({ file: p.file, data: p.svg })),
    ...(report.files ?? []).map((f) => ({ file: f.file, data: f.data })),
    { file: 'index.html', data: indexHtml(report) },
  ];
  const seen = new Set<string>();
  for (const e of entries) {
    if (!SAFE_NAME.test(e.file) || seen.has(e.file)) {
      throw new Error(`writeReport: invalid or duplicate file name "${e.file}"`);
    }
    seen.add(e.file);
  }
  for (const e of entries) await checkOutputPath(join(dir, e.file), options);
  const written: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.file);
    await writeFileAtomic(path, e.data, options);
    written.push(path);
  }
  return written;
}

/** Escapes text for HTML. */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

function indexHtml(report: Report): string {
  const plots = (report.plots ?? [])
    .map(
      (p) => `  <figure>
    <a href="${escapeHtml(p.file)}"><img src="${escapeHtml(p.file)}" alt="${escapeHtml(p.title)}"></a>
    <figcaption><strong>${escapeHtml(p.title)}</strong>${p.caption ? ` — ${escapeHtml(p.caption)}` : ''}</figcaption>
  </figure>`,
    )
    .join('\n');
  const files = [
    `<li><a href="result.json">result.json</a> — the full result (machine-readable)</li>`,
    ...(report.plots ?? []).map(
      (p) =>
        `<li><a href="${escapeHtml(p.file)}">${escapeHtml(p.file)}</a> — ${escapeHtml(p.title)}</li>`,
    ),
    ...(report.files ?? []).map(
      (f) =>
        `<li><a href="${escapeHtml(f.file)}">${escapeHtml(f.file)}</a> — ${escapeHtml(f.title)}</li>`,
    ),
  ].join('\n    ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(report.title)}</title>
<style>
  body { font-family: Helvetica, Arial, sans-serif; max-width: 1000px; margin: 2em auto; padding: 0 1em; color: #222; }
  pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 13px; line-height: 1.35; }
  figure { display: inline-block; margin: 1em 1em 1em 0; vertical-align: top; max-width: 100%; }
  figure img { max-width: 100%; border: 1px solid #eee; }
  figcaption { font-size: 13px; max-width: 520px; }
</style>
</head>
<body>
<h1>${escapeHtml(report.title)}</h1>
<pre>${escapeHtml(report.summary)}</pre>
<h2>Plots</h2>
${plots || '<p>No plots.</p>'}
<h2>Files</h2>
<ul>
    ${files}
</ul>
<p><small>Written by nidkit.</small></p>
</body>
</html>
`;
}
