/**
 * `saveOnnxModel`: writes an export atomically (temporary file + rename/link in the target folder),
 * refusing to overwrite an existing file unless forced.
 */
import { randomBytes } from 'node:crypto';
import { link, lstat, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Network } from '@nidkit/core';
import { OnnxExportError } from '../errors.js';
import type { ExportOptions } from './export.js';
import { exportOnnx } from './export.js';

/** Options of {@link saveOnnxModel}. */
export interface SaveOptions extends ExportOptions {
  /** Replace an existing file (default false: an existing file is an error). */
  readonly force?: boolean;
}

/**
 * Exports `net` (see `exportOnnx`) and writes it to `path` atomically: the bytes go to a new
 * temporary file in the same folder (`wx`), which then replaces the target in one step. Without
 * `force`, an existing target (including a symbolic link) is never overwritten; a symbolic link at
 * the target is replaced, not followed.
 * @param path - the `.onnx` file to write
 * @param net - the network
 * @param options - `force`, `opset`, `fold`
 * @throws OnnxExportError when the target exists (without force) or cannot be written
 */
export async function saveOnnxModel(
  path: string,
  net: Network,
  options: SaveOptions = {},
): Promise<void> {
  const bytes = exportOnnx(net, options);
  const target = resolve(path);
  const exists = await lstat(target).then(
    () => true,
    () => false,
  );
  if (exists && !options.force) {
    throw new OnnxExportError(
      `saveOnnxModel: "${target}" already exists — expected a new path, or pass force: true to overwrite`,
    );
  }
  const temp = join(
    dirname(target),
    `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    await writeFile(temp, bytes, { flag: 'wx' });
    if (options.force) {
      await rename(temp, target);
    } else {
      // link() fails if the target appeared in the meantime: no overwrite even under a race.
      await link(temp, target);
      await unlink(temp);
    }
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new OnnxExportError(
        `saveOnnxModel: "${target}" already exists — expected a new path, or pass force: true to overwrite`,
        { cause: e },
      );
    throw new OnnxExportError(`saveOnnxModel: cannot write "${target}" — ${(e as Error).message}`, {
      cause: e,
    });
  }
}
