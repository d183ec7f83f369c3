/**
 * Converts a result of this package into plain JSON data: tensors (`{ data, shape }`) become nested
 * arrays of their shape, typed arrays become arrays, non-finite numbers become null (JSON has no
 * NaN/Infinity; the analyses never produce them). Objects and arrays are converted recursively;
 * functions are dropped.
 * @param value - e.g. a `LayerCostRecord[]`, `RidgeLayerRecord[]` or `IdentifiabilityReport`
 * @returns a structure that `JSON.stringify` writes faithfully
 */
export function toPlainJSON(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'function') return undefined;
  if (ArrayBuffer.isView(value))
    return Array.from(value as unknown as ArrayLike<number>, (x) =>
      Number.isFinite(x) ? x : null,
    );
  if (Array.isArray(value)) return value.map(toPlainJSON);
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (ArrayBuffer.isView(obj.data) && Array.isArray(obj.shape) && Object.keys(obj).length === 2) {
      return nest(toPlainJSON(obj.data) as (number | null)[], obj.shape as number[]);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      const c = toPlainJSON(v);
      if (c !== undefined) out[k] = c;
    }
    return out;
  }
  return null;
}

function nest(flat: (number | null)[], shape: readonly number[]): unknown {
  if (shape.length <= 1) return flat;
  const [head, ...rest] = shape as [number, ...number[]];
  const size = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: head }, (_, i) => nest(flat.slice(i * size, (i + 1) * size), rest));
}
