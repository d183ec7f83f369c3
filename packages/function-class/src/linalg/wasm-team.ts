/**
 * The tridiagonal kernels on a shared memory, with one worker thread of core's pool registered on
 * it: the worker runs the module's exported functions as jobs (`us` 0, `bt` 1, `hw` 2).
 * @internal
 */
import {
  SharedKernel,
  defaultThreads,
  ensureWorkers,
  threadsAvailable,
} from '@nidkit/core/kernels';
import type { WasmWorkspace } from './wasm-tridiagonal.js';
import { CTRL, sharedWorkspace } from './wasm-tridiagonal.js';

/** Byte offset of the `hw` control block (after the pool's two flags). */
export const TEAM_CTRL = 64;
/** Byte offset where the caller's area starts. */
export const TEAM_BASE = TEAM_CTRL + CTRL.bytes;

/** Teams created so far in this process (for tests). */
export const teamStats = { created: 0 };

/** A shared memory with the kernels for this thread and a worker. */
export interface WasmTeam {
  /** The kernels on the shared memory, for this thread. */
  readonly ws: WasmWorkspace & { readonly exports: Record<string, unknown> };
  /** The worker's side: `run`/`start`/`join` jobs of calls `[export index, ...arguments]`. */
  readonly kernel: SharedKernel;
}

/**
 * A team with `bytes` bytes for the caller from {@link TEAM_BASE} on, or null without worker
 * threads, shared WebAssembly memory, or a second thread (`NIDKIT_THREADS=1`). Close its kernel
 * when done.
 */
export function wasmTeam(bytes: number): WasmTeam | null {
  if (!threadsAvailable() || defaultThreads() < 2) return null;
  const ws = sharedWorkspace(TEAM_BASE + bytes);
  if (!ws) return null;
  const pool = ensureWorkers(1);
  if (pool.length < 1) return null;
  teamStats.created++;
  return { ws, kernel: new SharedKernel(pool, ws.module, ws.memory, 2) };
}
