/**
 * `@nidkit/core/kernels` — the fast float64 cross product `(A − 1hₐᵀ)ᵀ(B − 1h_bᵀ)` that
 * activation matching and covariance estimates share: a WebAssembly SIMD micro-kernel on packed
 * panels, split over worker threads (`NIDKIT_THREADS` sets their number).
 * @packageDocumentation
 */
export { CrossProduct } from './cross-product.js';
export type { CrossProductOptions } from './cross-product.js';
export { defaultThreads } from './threads.js';
