import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { numberArrayField } from './json-numbers.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('numberArrayField', () => {
  it('gives exactly what JSON.parse gives, for any doubles and any spacing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true })),
        fc.constantFrom('', ' ', '\n', ' \t\r\n'),
        (values, ws) => {
          const text = `${ws}{${ws}"data"${ws}:${ws}[${values.map((v) => `${ws}${JSON.stringify(v)}${ws}`).join(',')}]${ws}}${ws}`;
          const want = (JSON.parse(text) as { data: number[] }).data;
          expect(Array.from(numberArrayField(bytes(text), 'data')!)).toEqual(want);
        },
      ),
      { seed: 7, numRuns: 300 },
    );
  });

  it('pixel-like decimals (up to 15 digits) and exponents convert exactly', () => {
    const text =
      '{"data":[0,1,0.2,0.624,0.992,0.196,-0.5,123456789012345,0.1234567890123456,1e-3,2.5E+2,-0e0]}';
    expect(Array.from(numberArrayField(bytes(text), 'data')!)).toEqual(
      (JSON.parse(text) as { data: number[] }).data,
    );
    expect(Array.from(numberArrayField(bytes('{"data":[]}'), 'data')!)).toEqual([]);
  });

  it('returns null for any other shape, so that JSON.parse decides', () => {
    for (const text of [
      '{"data":[1,2],"other":3}',
      '{"other":[1]}',
      '{"data":[[1]]}',
      '{"data":["1"]}',
      '{"data":[01]}',
      '{"data":[1.]}',
      '{"data":[.5]}',
      '{"data":[-]}',
      '{"data":[1e]}',
      '{"data":[1,]}',
      '{"data":[1 2]}',
      '{"data":[1]} x',
      '{"data":[1]',
      '[1,2]',
      '',
    ])
      expect(numberArrayField(bytes(text), 'data')).toBeNull();
  });
});
