import { InvalidPermutationError } from '../errors.js';

/**
 * Checks that `p` is a permutation of `0..n−1` (each index exactly once).
 * @param where - caller, for the message
 * @param p - candidate permutation
 * @param n - expected size
 * @throws InvalidPermutationError naming the first offending index
 */
export function assertPermutation(where: string, p: ArrayLike<number>, n: number): void {
  if (p.length !== n)
    throw new InvalidPermutationError(
      `${where}: wrong permutation size — expected ${n}, got ${p.length}`,
    );
  const seen = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = p[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= n) {
      throw new InvalidPermutationError(
        `${where}: entry ${i} is out of range — expected an integer in 0..${n - 1}, got ${v}`,
        i,
      );
    }
    if (seen[v])
      throw new InvalidPermutationError(
        `${where}: not a permutation — expected each index once, got ${v} twice (again at entry ${i})`,
        i,
      );
    seen[v] = 1;
  }
}

/** True when `p` is a permutation of `0..p.length−1`. */
export function isPermutation(p: ArrayLike<number>): boolean {
  try {
    assertPermutation('isPermutation', p, p.length);
    return true;
  } catch {
    return false;
  }
}

/**
 * The inverse permutation: `inv[p[i]] = i`. If B's units are A's permuted by σ
 * (`B_unit[r] = A_unit[σ[r]]`), matching returns `σ⁻¹` (matching.md §1).
 * @throws InvalidPermutationError when `p` is not a permutation
 */
export function invertPermutation(p: ArrayLike<number>): Int32Array {
  assertPermutation('invertPermutation', p, p.length);
  const inv = new Int32Array(p.length);
  for (let i = 0; i < p.length; i++) inv[p[i]!] = i;
  return inv;
}

/**
 * Applying `first` then `second` along an axis equals applying `composePermutations(first, second)`:
 * `new[r] = old[first[second[r]]]`.
 * @throws InvalidPermutationError when sizes differ or an argument is not a permutation
 */
export function composePermutations(
  first: ArrayLike<number>,
  second: ArrayLike<number>,
): Int32Array {
  assertPermutation('composePermutations (first)', first, first.length);
  assertPermutation('composePermutations (second)', second, first.length);
  const out = new Int32Array(first.length);
  for (let r = 0; r < first.length; r++) out[r] = first[second[r]!]!;
  return out;
}

/** The identity permutation of size n. */
export function identityPermutation(n: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return p;
}
