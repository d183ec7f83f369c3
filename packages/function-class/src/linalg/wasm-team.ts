/**
 * The tridiagonal kernels on a shared memory, with one worker thread of core's pool registered on
 * it: the worker runs the module's exported functions as jobs (`us` 0, `bt` 1, `hw` 2).
 * @internal
 */
import {
  acquireShared,
  defaultThreads,
  releaseShared,
  threadsAvailable,
  wasm,
} from '@nidkit/core/kernels';
import type { SharedKernel } from '@nidkit/core/kernels';
import type { BtKernel, UsKernel, WasmWorkspace } from './wasm-tridiagonal.js';
import { CTRL, MAX_SHARED_PAGES, sharedKernelModule } from './wasm-tridiagonal.js';

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
  /** Hands the memory back for reuse (after the last job has been joined). */
  readonly release: () => void;
}

/**
 * A team with `bytes` bytes for the caller from {@link TEAM_BASE} on (zeroed, as is the control
 * block), or null without worker threads, shared WebAssembly memory, or a second thread
 * (`NIDKIT_THREADS=1`). The memory is a reused one when possible: {@link WasmTeam.release} it.
 */
export function wasmTeam(bytes: number): WasmTeam | null {
  const api = wasm.wasmApi();
  if (!api || !threadsAvailable() || defaultThreads() < 2) return null;
  const module = sharedKernelModule();
  const pages = Math.max(1, Math.ceil((TEAM_BASE + bytes) / 65536));
  if (!module || pages > MAX_SHARED_PAGES) return null;
  const slot = acquireShared(api, module, pages, 1, 2);
  if (!slot) return null;
  new Uint8Array(slot.memory.buffer, TEAM_CTRL, CTRL.bytes + bytes).fill(0);
  teamStats.created++;
  const x = slot.exports;
  return {
    ws: {
      buffer: slot.memory.buffer as ArrayBuffer,
      us: x.us as UsKernel,
      bt: x.bt as BtKernel,
      exports: x,
    },
    kernel: slot.kernel,
    release: () => releaseShared(slot),
  };
}
