/** Helpers of the CLI's end-to-end tests: run the built binary and make small fixtures. */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { SCHEMAS } from '../src/schemas/index.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The CLI package folder. */
export const CLI_ROOT = resolve(here, '..');
/** The launcher the tests run. */
export const BIN = join(CLI_ROOT, 'bin', 'nidkit.js');

/** What a run of the binary produced. */
export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node bin/nidkit.js …args` in `cwd` (stderr is not a TTY, so no progress bars). */
export function nidkit(
  args: readonly string[],
  cwd: string,
  timeoutMs = 60_000,
): Promise<RunResult> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`nidkit ${args.join(' ')} timed out\n${stderr}`));
    }, timeoutMs);
    child.on('error', rej);
    child.on('close', (code) => {
      clearTimeout(timer);
      res({ code, stdout, stderr });
    });
  });
}

/** A fresh temporary folder. */
export function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'nidkit-cli-e2e-'));
}

const ajv = new Ajv({ allErrors: true, strict: false });

/** Validates a parsed `--json` result against the CLI's schema of `command`; returns the errors. */
export function schemaErrors(command: string, value: unknown): string[] {
  const schema = SCHEMAS[command];
  if (!schema) return [`no schema for ${command}`];
  const validate = ajv.compile(schema);
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

/** Writes a file and returns its path. */
export async function put(dir: string, name: string, data: string | Uint8Array): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, data);
  return p;
}

/** Every `aria-label` of an SVG (vega writes one per mark, with the mark's values). */
export function ariaLabels(svg: string): string[] {
  return [...svg.matchAll(/aria-label="([^"]*)"/g)].map((m) => m[1]!);
}
