/**
 * The cache format of trained models: the core Network IR as JSON, every tensor's float32 data as
 * base64 of its little-endian bytes, so a reload is bit-exact. (Models meant for other tools are
 * exported as ONNX by the CLI's other commands.)
 */
import { readFile } from 'node:fs/promises';
import type { Network } from '@nidkit/core';
import { tensor, validateNetwork } from '@nidkit/core';
import { writeAtomic } from './context.js';
import { ReproduceError } from './errors.js';

const FORMAT = 'nidkit-network-json/1';

interface EncodedTensor {
  readonly $tensor: 'float32' | 'float64';
  readonly shape: readonly number[];
  readonly base64: string;
}

function isTensorLike(
  v: unknown,
): v is { data: Float32Array | Float64Array; shape: readonly number[] } {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as { data?: unknown; shape?: unknown };
  return (
    (o.data instanceof Float32Array || o.data instanceof Float64Array) && Array.isArray(o.shape)
  );
}

function encode(v: unknown): unknown {
  if (isTensorLike(v)) {
    const bytes = Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength);
    const enc: EncodedTensor = {
      $tensor: v.data instanceof Float32Array ? 'float32' : 'float64',
      shape: [...v.shape],
      base64: bytes.toString('base64'),
    };
    return enc;
  }
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.map(encode);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = encode(x);
    return out;
  }
  return v;
}

function decode(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (typeof v === 'object' && v !== null) {
    const o = v as Partial<EncodedTensor>;
    if (o.$tensor === 'float32' || o.$tensor === 'float64') {
      const buf = Buffer.from(o.base64 ?? '', 'base64');
      const copy = new Uint8Array(buf.byteLength);
      copy.set(buf);
      const data =
        o.$tensor === 'float32' ? new Float32Array(copy.buffer) : new Float64Array(copy.buffer);
      return tensor(data, [...(o.shape ?? [])]);
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = decode(x);
    return out;
  }
  return v;
}

/** Writes `net` to `path` (atomically) in the cache format. */
export async function saveNetworkJson(
  path: string,
  net: Network,
  extra: object = {},
): Promise<void> {
  await writeAtomic(path, JSON.stringify({ format: FORMAT, ...extra, network: encode(net) }));
}

/**
 * Reads a network written by {@link saveNetworkJson} and validates it.
 * @throws ReproduceError when the file is not in the cache format
 */
export async function loadNetworkJson(
  path: string,
): Promise<{ network: Network; extra: Record<string, unknown> }> {
  let parsed: { format?: unknown; network?: unknown; [k: string]: unknown };
  try {
    parsed = JSON.parse(await readFile(path, 'utf8')) as typeof parsed;
  } catch (err) {
    throw new ReproduceError(
      `loadNetworkJson: cannot read the cached model — expected ${FORMAT}, got an unreadable file ${path}`,
      { cause: err },
    );
  }
  if (parsed.format !== FORMAT) {
    throw new ReproduceError(
      `loadNetworkJson: unknown model file format — expected ${FORMAT}, got ${String(parsed.format)} in ${path}`,
    );
  }
  const { network, format: _f, ...extra } = parsed;
  return { network: validateNetwork(decode(network) as Network), extra };
}
