/**
 * `@nidkit/core/kernels` — the fast float64 cross product `(A − 1hₐᵀ)ᵀ(B − 1h_bᵀ)` that
 * activation matching and covariance estimates share: a WebAssembly SIMD micro-kernel on packed
 * panels, split over worker threads (`NIDKIT_THREADS` sets their number); and `wasm`, the small
 * assembler the packages write such kernels with.
 * @packageDocumentation
 */
export { CrossProduct } from './cross-product.js';
export type { CrossProductOptions } from './cross-product.js';
export { defaultThreads } from './threads.js';
/**
 * The worker pool behind {@link CrossProduct}, for nidkit's packages' own kernels: modules on a
 * shared memory whose exported functions the workers run as jobs, and reusable shared memories.
 * @internal
 */
export { SharedKernel, acquireShared, releaseShared, threadsAvailable } from './threads.js';
export type { SharedSlot } from './threads.js';
/** The WebAssembly assembler behind nidkit's SIMD kernels (also used by `@nidkit/function-class`). */
export * as wasm from './wasm-asm.js';
