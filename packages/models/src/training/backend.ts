import { createRequire } from 'node:module';
import path from 'node:path';
import type * as TfNamespace from '@tensorflow/tfjs';
import { TrainingError } from '../errors.js';

/** The tfjs namespace (loaded lazily; nothing is imported until training or evaluation starts). */
export type Tf = typeof TfNamespace;

/** Which tfjs backend to use: `auto` tries tfjs-node (`tensorflow`), then `wasm`, then `cpu`. */
export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/** The backend that was selected, with its capabilities. */
export interface BackendInfo {
  /** tfjs backend name: `tensorflow`, `wasm` or `cpu`. */
  readonly name: string;
  /** Whether the wasm backend runs with SIMD (wasm only). */
  readonly simd?: boolean;
  /** Whether the wasm backend uses threads (wasm only). */
  readonly threads?: boolean;
  /** Why faster backends were skipped (e.g. "tfjs-node is not installed"). */
  readonly notes: readonly string[];
}

let tfPromise: Promise<Tf> | null = null;
let wasmPromise: Promise<void> | null = null;
let nodeTried: Promise<string | null> | null = null;

/** Loads `@tensorflow/tfjs` once (lazily). */
export function loadTf(): Promise<Tf> {
  tfPromise ??= import('@tensorflow/tfjs').then((m) => {
    // libraries never print: PROD silences tfjs' console hints (e.g. "install tfjs-node" on the
    // cpu backend) without turning on IS_TEST's kernel leak checks
    m.env().set('PROD', true);
    return m;
  });
  return tfPromise;
}

async function tryNode(): Promise<string | null> {
  nodeTried ??= (async () => {
    const name = '@tensorflow/tfjs-node';
    try {
      await import(/* @vite-ignore */ name);
      return null;
    } catch (e) {
      return `tfjs-node is not available (${(e as Error).message.split('\n')[0]})`;
    }
  })();
  return nodeTried;
}

async function registerWasm(): Promise<void> {
  wasmPromise ??= (async () => {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(path.dirname(entry) + path.sep);
  })();
  return wasmPromise;
}

/**
 * Loads tfjs and activates the fastest available backend: tfjs-node (`tensorflow`, an optional
 * dependency), else the wasm backend (SIMD when the runtime supports it; its `.wasm` files are
 * loaded from the installed package's `dist/` folder), else the pure-JS `cpu` backend.
 * @param choice - `auto` (default) or a specific backend
 * @returns tfjs and the backend actually used
 * @throws TrainingError when a specifically requested backend cannot be activated
 */
export async function selectBackend(
  choice: BackendChoice = 'auto',
): Promise<{ tf: Tf; info: BackendInfo }> {
  const tf = await loadTf();
  const notes: string[] = [];
  const attempt = async (name: 'tensorflow' | 'wasm' | 'cpu'): Promise<boolean> => {
    if (tf.getBackend() === name) return true;
    if (name === 'tensorflow') {
      const err = await tryNode();
      if (err) {
        notes.push(err);
        return false;
      }
    }
    if (name === 'wasm') {
      try {
        await registerWasm();
      } catch (e) {
        notes.push(`the wasm backend could not be loaded (${(e as Error).message})`);
        return false;
      }
    }
    try {
      const ok = await tf.setBackend(name);
      await tf.ready();
      if (!ok) notes.push(`tfjs backend "${name}" failed to initialize`);
      return ok;
    } catch (e) {
      notes.push(`tfjs backend "${name}" failed (${(e as Error).message})`);
      return false;
    }
  };
  const order: ('tensorflow' | 'wasm' | 'cpu')[] =
    choice === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [choice];
  for (const name of order) {
    if (await attempt(name)) {
      const info: BackendInfo =
        name === 'wasm'
          ? {
              name,
              simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
              threads: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'),
              notes,
            }
          : { name, notes };
      return { tf, info };
    }
  }
  throw new TrainingError(
    `selectBackend: no usable tfjs backend — expected ${order.join(' or ')}, got failures: ${notes.join('; ')}`,
  );
}
