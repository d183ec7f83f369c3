/**
 * Option parsers for commander: each turns a command-line string into a checked value or throws
 * commander's `InvalidArgumentError`, which commander reports as a usage error (exit 2).
 */
import { InvalidArgumentError } from 'commander';

/** A positive integer (`--epochs 5`). */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n <= 0) {
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  }
  return n;
}

/** A non-negative integer (`--seed 0`). */
export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`expected a non-negative integer, got "${value}"`);
  }
  return n;
}

/** A finite number (`--lr 0.001`). */
export function finiteNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new InvalidArgumentError(`expected a number, got "${value}"`);
  return n;
}

/** A non-negative finite number (`--kappa 1`). */
export function nonNegativeNumber(value: string): number {
  const n = finiteNumber(value);
  if (n < 0) throw new InvalidArgumentError(`expected a number ≥ 0, got "${value}"`);
  return n;
}

/** A number in (0, 1] (`--tau 0.9`). */
export function unitInterval(value: string): number {
  const n = finiteNumber(value);
  if (!(n > 0 && n <= 1))
    throw new InvalidArgumentError(`expected a number in (0, 1], got "${value}"`);
  return n;
}

/** A comma-separated list parsed element-wise (`--seeds 1,2,3`, `--widths 784,128,10`). */
export function listOf<T>(parse: (s: string) => T): (value: string) => T[] {
  return (value: string) => {
    const parts = value.split(',').map((s) => s.trim());
    if (parts.length === 0 || parts.some((p) => p === '')) {
      throw new InvalidArgumentError(`expected a comma-separated list, got "${value}"`);
    }
    return parts.map((p) => {
      try {
        return parse(p);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new InvalidArgumentError(`in the list "${value}": ${reason}`);
      }
    });
  };
}

/** An integer ≥ 2 (`--points 37`). */
export function atLeastTwo(value: string): number {
  const n = positiveInt(value);
  if (n < 2) throw new InvalidArgumentError(`expected an integer ≥ 2, got "${value}"`);
  return n;
}
