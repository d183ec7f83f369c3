/**
 * Output files: written atomically (temp file in the same folder, then rename), never over an
 * input, and never over an existing file unless `force`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { OutputFileError } from '../errors.js';

/** Options of {@link writeFileAtomic} and {@link checkOutputPath}. */
export interface WriteOptions {
  /** Replace an existing file (never an input). */
  readonly force?: boolean;
  /** Paths the command reads; an output may never be one of them. */
  readonly inputs?: readonly string[];
}

async function canonical(path: string): Promise<string> {
  const abs = resolve(path);
  try {
    return await realpath(abs);
  } catch {
    // the file does not exist: canonicalize its folder when possible
    try {
      return join(await realpath(dirname(abs)), basename(abs));
    } catch {
      return abs;
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks that `path` may be written: it is not one of `inputs` (after resolving symlinks) and it
 * does not exist unless `force`. Commands call this before any long computation.
 * @param path - the output path
 * @param options - force and the command's input paths
 * @throws OutputFileError `OUTPUT_IS_INPUT` or `OUTPUT_EXISTS`
 */
export async function checkOutputPath(path: string, options: WriteOptions = {}): Promise<void> {
  const target = await canonical(path);
  for (const input of options.inputs ?? []) {
    if ((await canonical(input)) === target) {
      throw new OutputFileError(
        'OUTPUT_IS_INPUT',
        path,
        `writeFileAtomic: refusing to overwrite an input — the output ${path} is the input ${input}; choose another output path`,
      );
    }
  }
  if (!options.force && (await exists(target))) {
    throw new OutputFileError(
      'OUTPUT_EXISTS',
      path,
      `writeFileAtomic: the output ${path} exists already — pass --force to replace it, or choose another path`,
    );
  }
}

/**
 * Writes `data` to `path` atomically: to a temporary file in the same folder, then renamed over
 * the target, so a reader never sees a half-written file. Creates missing folders.
 * @param path - the output path
 * @param data - text (UTF-8) or bytes
 * @param options - `force` to replace an existing file; `inputs` that may never be overwritten
 * @throws OutputFileError when the path is an input, exists without `force`, or cannot be written
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: WriteOptions = {},
): Promise<void> {
  await checkOutputPath(path, options);
  const abs = resolve(path);
  const dir = dirname(abs);
  const tmp = join(dir, `.${basename(abs)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(tmp, data);
    await rename(tmp, abs);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    const reason = err instanceof Error ? err.message : String(err);
    throw new OutputFileError(
      'OUTPUT_FAILED',
      path,
      `writeFileAtomic: cannot write ${path} — ${reason}`,
      { cause: err },
    );
  }
}

/** JSON text of a result: two-space indentation, a final newline, typed arrays as plain arrays. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, jsonReplacer, 2)}\n`;
}

/** A `JSON.stringify` replacer that writes typed arrays as arrays and non-finite numbers as null. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number>);
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (typeof value === 'bigint') return Number(value);
  return value;
}
