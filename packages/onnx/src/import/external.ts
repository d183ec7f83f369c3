/**
 * Safe resolution of ONNX external tensor data (onnx.md §3). Path traversal on read
 * (CVE-2022-25882, CVE-2024-27318) and link escapes are rejected before any byte is read.
 */
import {
  closeSync,
  fstatSync,
  openSync,
  readSync,
  realpathSync,
  constants as fsConstants,
} from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { UnsafeExternalDataError } from '../errors.js';

/** `location`, `offset` and `length` of an external tensor. */
export interface ExternalRef {
  readonly location: string;
  readonly offset: number;
  readonly length: number | null;
}

/**
 * Checks a `location` string: non-empty, relative, no `..` segment (split on `/` and `\`), no NUL,
 * no drive letter or UNC prefix.
 * @returns an error message, or null when the location is acceptable
 */
export function locationProblem(location: string): string | null {
  if (location.length === 0) return 'is empty';
  if (location.includes('\0')) return 'contains a NUL character';
  if (
    location.startsWith('/') ||
    location.startsWith('\\') ||
    /^[A-Za-z]:/.test(location) ||
    isAbsolute(location)
  ) {
    return 'is an absolute path';
  }
  if (location.split(/[\\/]/).some((s) => s === '..')) return 'contains a ".." segment';
  return null;
}

/**
 * Reads `length` bytes of external data for tensor `tensor` from `baseDir/location`.
 * The real path must lie inside the real `baseDir`; the target must be a regular file with a single
 * hard link; `offset + length` must not pass the end of the file.
 * @throws UnsafeExternalDataError naming the tensor and the location
 */
export function readExternal(
  tensor: string,
  ref: ExternalRef,
  baseDir: string,
  expectedBytes: number,
): Uint8Array {
  const fail = (what: string): never => {
    throw new UnsafeExternalDataError(
      `importOnnx: external data of tensor "${tensor}" at location "${ref.location}" ${what}`,
      tensor,
      ref.location,
    );
  };
  const problem = locationProblem(ref.location);
  if (problem)
    fail(
      `is rejected: the location ${problem} — expected a relative path inside the model's folder`,
    );
  let base: string;
  let target: string;
  try {
    base = realpathSync(baseDir);
  } catch {
    return fail(`cannot be resolved: the base folder "${baseDir}" does not exist`);
  }
  try {
    target = realpathSync(join(base, ref.location));
  } catch {
    return fail('cannot be read: the file does not exist');
  }
  const rel = relative(base, target);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep)[0] === '..') {
    fail(
      `is rejected: it resolves to "${target}", outside the model's folder "${base}" (symbolic link escape)`,
    );
  }
  if (!Number.isSafeInteger(ref.offset) || ref.offset < 0)
    fail(`is rejected: offset must be a non-negative integer, got ${ref.offset}`);
  if (ref.length !== null && ref.length !== expectedBytes) {
    fail(
      `is rejected: length — expected ${expectedBytes} bytes (element count × element size), got ${ref.length}`,
    );
  }
  let fd: number;
  try {
    fd = openSync(target, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0));
  } catch {
    return fail('cannot be opened');
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) fail('is rejected: not a regular file');
    if (st.nlink > 1) fail(`is rejected: the file has ${st.nlink} hard links — expected 1`);
    if (ref.offset + expectedBytes > st.size) {
      fail(
        `is rejected: offset + length — expected at most the file size ${st.size}, got ${ref.offset} + ${expectedBytes}`,
      );
    }
    const out = new Uint8Array(expectedBytes);
    let done = 0;
    while (done < expectedBytes) {
      const n = readSync(fd, out, done, expectedBytes - done, ref.offset + done);
      if (n <= 0) fail('ended early');
      done += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}
