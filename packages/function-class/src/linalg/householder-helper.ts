/**
 * A second thread for the Householder reduction: a worker runs the `hw` loop of the tridiagonal
 * kernels on a shared memory and takes the lower rows of each step's fused update-and-product,
 * while the calling thread does the upper rows. Steps are microseconds apart, so the two threads
 * meet by spinning on atomics in that memory instead of messages. Until the worker has started (or
 * after it left) the calling thread computes the helper's rows itself, into the same buffer with
 * the same kernel, so the result is bit for bit the same with or without the worker.
 * @internal
 */
import { NidkitError } from '@nidkit/core';
import type { SharedKernel } from '@nidkit/core/kernels';
import type { WasmWorkspace } from './wasm-tridiagonal.js';
import { CTRL } from './wasm-tridiagonal.js';
import type { WasmTeam } from './wasm-team.js';
import { TEAM_BASE, TEAM_CTRL, wasmTeam } from './wasm-team.js';

/** Index of the `hw` function among the module's exports. */
const HW = 2;

/** The `us` arguments of the helper's rows (byte offsets; see wasm-tridiagonal). */
export interface HelperRows {
  readonly a: number;
  readonly ld: number;
  readonly b0: number;
  readonly b1: number;
  readonly u: number;
  readonly q: number;
  readonly w: number;
  readonly p: number;
}

export class ReductionHelper {
  /** Row parts handed to a worker so far, in this process (for tests). */
  static postedToWorker = 0;

  /** The kernels on the shared memory; the caller's area starts at byte {@link ReductionHelper.base}. */
  readonly ws: WasmWorkspace;
  readonly base = TEAM_BASE;
  private readonly flags: Int32Array;
  private readonly poolFlag: Int32Array;
  private readonly kernel: SharedKernel;
  private readonly release: () => void;
  private readonly hw: (ctrl: number) => void;
  private seq = 0;
  private posted: HelperRows | null = null;
  private failed = false;

  private constructor(team: WasmTeam) {
    this.ws = team.ws;
    this.kernel = team.kernel;
    this.release = team.release;
    this.flags = new Int32Array(team.ws.buffer, TEAM_CTRL, CTRL.bytes / 4);
    this.poolFlag = new Int32Array(team.ws.buffer, 0, 1);
    this.hw = team.ws.exports.hw as (ctrl: number) => void;
    team.kernel.start([[[HW, TEAM_CTRL]]]);
  }

  /**
   * A helper with `bytes` bytes for the caller from {@link ReductionHelper.base} on, or null
   * without worker threads, shared WebAssembly memory, or a second thread (`NIDKIT_THREADS=1`).
   */
  static create(bytes: number): ReductionHelper | null {
    const team = wasmTeam(bytes);
    return team ? new ReductionHelper(team) : null;
  }

  /** Starts the helper's rows on the worker when it runs, else computes them here at once. */
  post(rows: HelperRows): void {
    const f = this.flags;
    if (!this.workerRuns()) {
      this.runHere(rows);
      return;
    }
    f[CTRL.a / 4] = rows.a;
    f[CTRL.ld / 4] = rows.ld;
    f[CTRL.b0 / 4] = rows.b0;
    f[CTRL.b1 / 4] = rows.b1;
    f[CTRL.u / 4] = rows.u;
    f[CTRL.q / 4] = rows.q;
    f[CTRL.w / 4] = rows.w;
    f[CTRL.p / 4] = rows.p;
    Atomics.store(f, CTRL.cmd / 4, ++this.seq);
    this.posted = rows;
    ReductionHelper.postedToWorker++;
  }

  /** Waits for the posted rows (computing them here should the worker have left). */
  wait(): void {
    const rows = this.posted;
    if (!rows) return;
    this.posted = null;
    const f = this.flags;
    let spins = 0;
    let deadline = 0;
    while (Atomics.load(f, CTRL.done / 4) !== this.seq) {
      if ((++spins & 0xfffff) === 0) {
        // a step takes microseconds: a worker that has not answered for 30 s is lost
        const now = Date.now();
        if (deadline === 0) deadline = now + 30_000;
        else if (now > deadline) {
          this.failed = true;
          throw new NidkitError(
            'WORKER_FAILED',
            'householderReduce: a worker thread stopped responding — set NIDKIT_THREADS=1 to compute on one thread',
          );
        }
      }
      if (!this.workerRuns()) {
        if (Atomics.load(this.poolFlag, 0) === 2) {
          this.failed = true;
          throw new NidkitError(
            'WORKER_FAILED',
            'householderReduce: the WebAssembly kernel failed in a worker thread — set NIDKIT_THREADS=1 to compute on one thread',
          );
        }
        // the worker left before it saw this command (it stores `done` before it leaves): the
        // rows are untouched, so they are computed here
        if (Atomics.load(f, CTRL.done / 4) !== this.seq) this.runHere(rows);
        return;
      }
    }
  }

  /** Stops the worker's loop (or keeps it from starting) and releases the memory. */
  close(): void {
    this.wait();
    const f = this.flags;
    Atomics.store(f, CTRL.cmd / 4, -1);
    Atomics.compareExchange(f, CTRL.state / 4, 0, 2);
    // a job the worker has not taken yet runs here and returns at once (cancelled)
    try {
      this.kernel.join((calls) => {
        for (const c of calls) this.hw(c[1]!);
      });
    } catch (err) {
      if (!this.failed) throw err; // else wait() has reported it
    } finally {
      this.release(); // (a memory whose worker failed is closed, not reused)
    }
  }

  /**
   * True while the worker is in its loop: it has started (state 1) and neither left (state 3) nor
   * ended its job some other way (the pool's flag of the worker, at byte 0, is set when the job
   * returns or throws).
   */
  private workerRuns(): boolean {
    return Atomics.load(this.flags, CTRL.state / 4) === 1 && Atomics.load(this.poolFlag, 0) === 0;
  }

  private runHere(r: HelperRows): void {
    computeRows(this.ws, r);
  }
}

/** The helper's rows on this thread: zero p over the rows' columns, then the `us` kernel. */
export function computeRows(ws: WasmWorkspace, r: HelperRows): void {
  new Float64Array(ws.buffer, r.p, 2 * r.b1).fill(0);
  ws.us(r.a, r.ld, r.b0, r.b1, r.u, r.q, r.w, r.p);
}
