/**
 * A fast reader for the one JSON shape of the `mnist` package's digit files, `{ "data": [numbers] }`:
 * it scans the bytes instead of building a JavaScript array of 800,000 numbers. Every number gets
 * exactly the value `JSON.parse` gives it.
 */

/** Powers of ten that are exact doubles. */
const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** Index of the first non-space byte from i. */
function skipSpace(b: Uint8Array, i: number): number {
  while (i < b.length && isSpace(b[i]!)) i++;
  return i;
}

/**
 * The numbers of `{ "<field>": [n, n, …] }` (whitespace allowed between tokens), or null when the
 * text has any other shape (other keys, nesting, strings, numbers outside JSON's grammar): the
 * caller then falls back to `JSON.parse`, which also reports malformed text.
 * @param b - UTF-8 JSON text
 * @param field - the only key
 */
export function numberArrayField(b: Uint8Array, field: string): Float64Array | null {
  const n = b.length;
  let i = skipSpace(b, 0);
  if (b[i++] !== 0x7b) return null; // {
  i = skipSpace(b, i);
  if (b[i++] !== 0x22) return null; // "
  for (let k = 0; k < field.length; k++) if (b[i++] !== field.charCodeAt(k)) return null;
  if (b[i++] !== 0x22) return null;
  i = skipSpace(b, i);
  if (b[i++] !== 0x3a) return null; // :
  i = skipSpace(b, i);
  if (b[i++] !== 0x5b) return null; // [
  let out = new Float64Array(Math.max(16, n >> 1));
  let count = 0;
  i = skipSpace(b, i);
  if (b[i] === 0x5d) i++;
  else
    for (;;) {
      i = skipSpace(b, i);
      // a number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
      const start = i;
      const negative = b[i] === 0x2d;
      if (negative) i++;
      let c = b[i] ?? 0;
      if (c < 0x30 || c > 0x39) return null;
      let mantissa = c - 0x30;
      let digits = 1;
      i++;
      if (c !== 0x30)
        for (c = b[i] ?? 0; c >= 0x30 && c <= 0x39; c = b[++i] ?? 0) {
          mantissa = mantissa * 10 + (c - 0x30);
          digits++;
        }
      let scale = 0;
      if (b[i] === 0x2e) {
        i++;
        for (c = b[i] ?? 0; c >= 0x30 && c <= 0x39; c = b[++i] ?? 0) {
          mantissa = mantissa * 10 + (c - 0x30);
          scale++;
        }
        if (scale === 0) return null;
        digits += scale;
      }
      let v: number;
      if (b[i] === 0x65 || b[i] === 0x45 || digits > 15) {
        // an exponent or many digits: the whole token through Number(), exact like JSON.parse
        if (b[i] === 0x65 || b[i] === 0x45) {
          i++;
          if (b[i] === 0x2b || b[i] === 0x2d) i++;
          c = b[i] ?? 0;
          if (c < 0x30 || c > 0x39) return null;
          while (i < n && b[i]! >= 0x30 && b[i]! <= 0x39) i++;
        }
        v = Number(String.fromCharCode(...b.subarray(start, i)));
      } else {
        // ≤ 15 digits: mantissa and 10^scale are exact, so the correctly rounded quotient is the
        // correctly rounded decimal
        v = scale === 0 ? mantissa : mantissa / POW10[scale]!;
        if (negative) v = -v;
      }
      if (count === out.length) {
        const grown = new Float64Array(out.length * 2);
        grown.set(out);
        out = grown;
      }
      out[count++] = v;
      i = skipSpace(b, i);
      c = b[i++] ?? 0;
      if (c === 0x5d) break; // ]
      if (c !== 0x2c) return null; // ,
    }
  i = skipSpace(b, i);
  if (b[i++] !== 0x7d) return null; // }
  return skipSpace(b, i) === n ? out.slice(0, count) : null;
}
