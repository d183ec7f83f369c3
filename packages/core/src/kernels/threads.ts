/**
 * Worker threads for {@link CrossProduct}: a small process-wide pool of Node.js workers that run
 * the WebAssembly kernels on a shared memory. The calling thread stays synchronous: it posts the
 * job list to the workers, takes jobs itself from a counter in the shared memory until none is
 * left, then blocks in `Atomics.wait` until every worker has flagged completion. Workers are
 * `unref`'d, so they never keep a process alive. Where `node:worker_threads` or shared WebAssembly
 * memory is missing (browsers without cross-origin isolation), everything runs on the calling
 * thread.
 * @internal
 */
import { NidkitError } from '../errors.js';
import type { WasmApi, WasmMemory } from './wasm-asm.js';

interface WorkerLike {
  postMessage(message: unknown): void;
  unref(): void;
  on(event: 'error', listener: (e: unknown) => void): void;
}
interface WorkerThreadsModule {
  Worker: new (source: string, options: { eval: true; name?: string }) => WorkerLike;
}
interface OsModule {
  availableParallelism?: () => number;
  cpus(): unknown[];
}

type BuiltinLoader = (id: string) => unknown;

function builtin<T>(id: string): T | null {
  const load = (globalThis as { process?: { getBuiltinModule?: BuiltinLoader } }).process
    ?.getBuiltinModule;
  if (typeof load !== 'function') return null;
  try {
    return (load(id) as T | undefined) ?? null;
  } catch {
    return null;
  }
}

/**
 * The worker's program: instantiate the module per memory; on `run`, take jobs from the shared
 * counter until none is left (a job is a list of calls `[function index, ...arguments]`, the index
 * counting the module's exported functions in export order), then flag completion.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const open = new Map();
parentPort.on('message', (m) => {
  if (m.type === 'open') {
    const flags = new Int32Array(m.memory.buffer, 0, m.slots);
    let fns = null;
    try {
      const x = new WebAssembly.Instance(m.module, { env: { mem: m.memory } }).exports;
      fns = WebAssembly.Module.exports(m.module).filter((d) => d.kind === 'function').map((d) => x[d.name]);
    } catch (err) {}
    open.set(m.id, { fns, flags });
    return;
  }
  if (m.type === 'close') { open.delete(m.id); return; }
  const e = open.get(m.id);
  let status = 1;
  if (!e.fns) status = 2;
  else try {
    for (;;) {
      const j = Atomics.add(e.flags, m.counter, 1);
      if (j >= m.jobs.length) break;
      for (const c of m.jobs[j]) e.fns[c[0]](c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11]);
    }
  }
  catch (err) { status = 2; }
  Atomics.store(e.flags, m.slot, status);
  Atomics.notify(e.flags, m.slot);
});
`;

const workers: WorkerLike[] = [];
let broken = false;

/**
 * The number of threads nidkit's kernels use by default: `NIDKIT_THREADS` when set to a positive
 * integer, else the machine's available parallelism (capped at 8); 1 where worker threads are
 * unavailable.
 */
export function defaultThreads(): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env?.NIDKIT_THREADS;
  if (env !== undefined && /^\d+$/.test(env) && Number(env) >= 1) return Math.min(64, Number(env));
  if (!builtin<WorkerThreadsModule>('node:worker_threads')) return 1;
  const os = builtin<OsModule>('node:os');
  const n = os ? (os.availableParallelism?.() ?? os.cpus().length) : 1;
  return Math.max(1, Math.min(8, n));
}

/** True when shared WebAssembly memory and worker threads are both available. */
export function threadsAvailable(): boolean {
  return (
    !broken &&
    typeof SharedArrayBuffer === 'function' &&
    typeof Atomics === 'object' &&
    builtin<WorkerThreadsModule>('node:worker_threads') !== null
  );
}

/** At least `count` workers (fewer if creation fails; the pool then reports what it has). */
export function ensureWorkers(count: number): WorkerLike[] {
  const wt = builtin<WorkerThreadsModule>('node:worker_threads');
  if (!wt || broken) return [];
  while (workers.length < count) {
    try {
      const w = new wt.Worker(WORKER_SOURCE, { eval: true, name: 'nidkit-kernel' });
      w.unref();
      w.on('error', () => {
        broken = true;
      });
      workers.push(w);
    } catch {
      broken = true;
      break;
    }
  }
  return workers.slice(0, count);
}

let nextId = 1;

/** A shared memory registered with `count` workers; `slots` Int32 flags live at byte 0. */
export class SharedKernel {
  readonly id = nextId++;
  private readonly flags: Int32Array;
  constructor(
    private readonly pool: WorkerLike[],
    module: object,
    memory: { buffer: ArrayBuffer | SharedArrayBuffer },
    readonly slots: number,
  ) {
    this.flags = new Int32Array(memory.buffer, 0, slots);
    for (const w of pool) w.postMessage({ type: 'open', id: this.id, module, memory, slots });
  }

  /** Workers registered on the memory. */
  get size(): number {
    return this.pool.length;
  }

  /** The jobs posted by {@link SharedKernel.start} and not yet joined. */
  private pending: number[][][] | null = null;
  /** A worker failed or stopped responding here: the memory must not be handed out again. */
  private failed = false;

  /** True once a worker has failed or stopped responding on this memory. */
  get unusable(): boolean {
    return this.failed;
  }

  /** True between {@link SharedKernel.start} and {@link SharedKernel.join}. */
  get busy(): boolean {
    return this.pending !== null;
  }

  /**
   * Runs `jobs` (each a list of calls `[function index, ...arguments]`) on this thread and every
   * worker, each taking the next job from a shared counter until none is left (so a slower thread
   * simply does fewer jobs); returns when all are done. `exec` runs one job here.
   */
  run(jobs: number[][][], exec: (calls: number[][]) => void): void {
    this.start(jobs);
    this.join(exec);
  }

  /**
   * Posts `jobs` to the workers and returns at once: they start taking jobs while this thread does
   * other work, which must not touch the memory the jobs use until {@link SharedKernel.join}.
   */
  start(jobs: number[][][]): void {
    if (this.pending) throw new NidkitError('INTERNAL', 'SharedKernel.start: jobs already pending');
    const flags = this.flags;
    const counter = this.slots - 1;
    Atomics.store(flags, counter, 0);
    for (let t = 0; t < this.pool.length; t++) {
      Atomics.store(flags, t, 0);
      this.pool[t]!.postMessage({ type: 'run', id: this.id, slot: t, counter, jobs });
    }
    this.pending = jobs;
  }

  /**
   * Takes the started jobs that no worker has taken yet (`exec` runs one here), then waits until
   * every worker has finished; does nothing when no jobs are pending.
   */
  join(exec: (calls: number[][]) => void): void {
    const jobs = this.pending;
    if (!jobs) return;
    this.pending = null;
    const flags = this.flags;
    const counter = this.slots - 1;
    for (;;) {
      const j = Atomics.add(flags, counter, 1);
      if (j >= jobs.length) break;
      exec(jobs[j]!);
    }
    const deadline = Date.now() + 120_000;
    for (let t = 0; t < this.pool.length; t++) {
      while (Atomics.load(flags, t) === 0) {
        if (broken || Date.now() > deadline) {
          broken = true;
          this.failed = true;
          throw new NidkitError(
            'WORKER_FAILED',
            'nidkit kernels: a worker thread stopped responding — set NIDKIT_THREADS=1 to compute on one thread',
          );
        }
        Atomics.wait(flags, t, 0, 1000);
      }
      if (Atomics.load(flags, t) !== 1) {
        this.failed = true;
        throw new NidkitError(
          'WORKER_FAILED',
          'nidkit kernels: a WebAssembly kernel failed in a worker thread — set NIDKIT_THREADS=1 to compute on one thread',
        );
      }
    }
  }

  /** Lets the workers drop their instance of this memory. */
  close(): void {
    for (const w of this.pool) w.postMessage({ type: 'close', id: this.id });
  }
}

/**
 * A shared memory with an instance of its module on this thread and a {@link SharedKernel} whose
 * workers have their own instances. Creating one per use leaks: a worker's isolate barely
 * allocates, so it seldom collects the instances of closed memories, and their backing stores
 * stay alive. Slots are therefore reused ({@link acquireShared} / {@link releaseShared}).
 */
export interface SharedSlot {
  readonly memory: WasmMemory;
  /** The module's exports on this thread. */
  readonly exports: Record<string, unknown>;
  readonly kernel: SharedKernel;
  /** Bytes of the memory. */
  readonly bytes: number;
  readonly key: string;
}

const idle: SharedSlot[] = [];
let idleBytes = 0;
/** Idle slots kept for reuse, at most (beyond, the oldest are closed). */
const IDLE_MAX_BYTES = 512 * 2 ** 20;
const moduleIds = new WeakMap<object, number>();
let nextModuleId = 1;

/** Slots handed out again so far (for tests). */
export const sharedSlotStats = { reused: 0 };

/**
 * A shared memory of at least `pages` 64 KiB pages (at most twice that when an idle one is
 * reused) for `module`, registered with `workers` workers and `slots` flags at byte 0, or null
 * when no worker can be had. Its contents are unspecified: zero what you rely on.
 */
export function acquireShared(
  api: WasmApi,
  module: object,
  pages: number,
  workers: number,
  slots: number,
): SharedSlot | null {
  let id = moduleIds.get(module);
  if (id === undefined) moduleIds.set(module, (id = nextModuleId++));
  const key = `${id}/${workers}/${slots}`;
  let best = -1;
  for (let i = 0; i < idle.length; i++) {
    const s = idle[i]!;
    const p = s.bytes / 65536;
    if (
      s.key === key &&
      p >= pages &&
      p <= 2 * pages &&
      (best < 0 || p < idle[best]!.bytes / 65536)
    )
      best = i;
  }
  if (best >= 0) {
    const [slot] = idle.splice(best, 1);
    idleBytes -= slot!.bytes;
    sharedSlotStats.reused++;
    return slot!;
  }
  const pool = ensureWorkers(workers);
  if (pool.length === 0) return null;
  const memory = new api.Memory({ initial: pages, maximum: pages, shared: true });
  const exports = new api.Instance(module, { env: { mem: memory } }).exports;
  return {
    memory,
    exports,
    kernel: new SharedKernel(pool, module, memory, slots),
    bytes: pages * 65536,
    key,
  };
}

/**
 * Hands a slot back for reuse, once its jobs are joined. A slot with jobs in flight or whose
 * worker failed is closed instead (the worker may still hold the memory), as are idle slots
 * beyond {@link IDLE_MAX_BYTES}, oldest first.
 */
export function releaseShared(slot: SharedSlot): void {
  if (slot.kernel.busy || slot.kernel.unusable || broken) {
    slot.kernel.close();
    return;
  }
  idle.push(slot);
  idleBytes += slot.bytes;
  while (idleBytes > IDLE_MAX_BYTES && idle.length > 0) {
    const old = idle.shift()!;
    idleBytes -= old.bytes;
    old.kernel.close();
  }
}
