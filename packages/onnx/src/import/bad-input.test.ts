import {
  linkSync,
  mkdtempSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NidkitError } from '@nidkit/core';
import { makeNet } from '../../test/helpers.js';
import { ModelBuilder, attr } from '../../test/onnx-builder.js';
import { OnnxImportError, UnsafeExternalDataError } from '../errors.js';
import { exportOnnx } from '../export/export.js';
import { floatTensor } from '../proto/build.js';
import type { ModelMsg, TensorMsg } from '../proto/schema.js';
import { decodeModel, encodeModel } from '../proto/schema.js';
import { importOnnx, loadOnnxModel } from './import.js';
import { decodeTensor } from './tensor.js';

const net = makeNet({ family: 'w-asym', widths: [4, 3, 2], norm: 'layer' });
const valid = exportOnnx(net);

function catchErr(fn: () => unknown): OnnxImportError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OnnxImportError);
    return e as OnnxImportError;
  }
  throw new Error('expected an OnnxImportError');
}

function simple(opset = 17, tail?: (b: ModelBuilder, x: string) => string): Uint8Array {
  const b = new ModelBuilder(opset, [4]);
  let x = b.op(
    'Gemm',
    ['x', b.init('W', new Float32Array(12).fill(0.5), [3, 4]), b.init('B', [0, 0, 0], [3])],
    [attr.int('transB', 1)],
  );
  x = b.op('Relu', [x]);
  x = b.op(
    'Gemm',
    [x, b.init('W1', new Float32Array(6).fill(0.5), [2, 3])],
    [attr.int('transB', 1)],
  );
  if (tail) x = tail(b, x);
  return b.build(x, 2);
}

function withModel(bytes: Uint8Array, edit: (m: ModelMsg) => void): Uint8Array {
  const m = decodeModel(bytes);
  edit(m);
  return encodeModel(m);
}

describe('importOnnx rejects bad input with nidkit errors', () => {
  it('a truncated file', () => {
    const e = catchErr(() => importOnnx(valid.slice(0, Math.floor(valid.length / 2))));
    expect(e.message).toMatch(/^importOnnx: /);
  });

  it('a file that is not ONNX', () => {
    expect(
      catchErr(() => importOnnx(new TextEncoder().encode('{"hello": "this is JSON, not ONNX"}')))
        .message,
    ).toMatch(/not an ONNX model/);
    expect(catchErr(() => importOnnx(new Uint8Array(0))).message).toMatch(/got 0 bytes/);
  });

  it('an unsupported op, naming node, op type, domain and opset', () => {
    const e = catchErr(() => importOnnx(simple(17, (b, x) => b.op('Softmax', [x]))));
    expect(e.message).toMatch(
      /node "\/n3\/Softmax" \(op_type "Softmax", domain "ai.onnx", opset 17\) is not supported by nidkit's importer/,
    );
    expect(e.node).toBe('/n3/Softmax');
    expect(e.opType).toBe('Softmax');
  });

  it('an unknown opset domain and unsupported opsets', () => {
    expect(
      catchErr(() =>
        importOnnx(
          withModel(simple(), (m) => m.opsetImport!.push({ domain: 'com.microsoft', version: 1 })),
        ),
      ).message,
    ).toMatch(/opset domain "com.microsoft" \(version 1\) is not supported/);
    expect(
      catchErr(() =>
        importOnnx(withModel(simple(), (m) => (m.graph!.node![0]!.domain = 'com.example'))),
      ).message,
    ).toMatch(/uses domain "com.example"/);
    expect(catchErr(() => importOnnx(simple(10))).message).toMatch(
      /unsupported opset — expected 11–21 for domain ai.onnx, got 10/,
    );
    expect(catchErr(() => importOnnx(simple(22))).message).toMatch(/got 22/);
  });

  it('operators used below the opset that defines them', () => {
    expect(catchErr(() => importOnnx(simple(17, (b, x) => b.op('Gelu', [x])))).message).toMatch(
      /op_type "Gelu".*is not defined before opset 20/,
    );
  });

  it('an initializer whose size does not match its dims (raw_data and float_data)', () => {
    const raw = withModel(simple(), (m) => (m.graph!.initializer![0]!.dims = [3, 5]));
    expect(catchErr(() => importOnnx(raw)).message).toMatch(
      /tensor "W" has raw_data of the wrong size — expected 60 bytes for dims \[3, 5\] of FLOAT, got 48/,
    );
    const typed = withModel(simple(), (m) => {
      m.graph!.initializer![0] = { name: 'W', dataType: 1, dims: [3, 4], floatData: [1, 2, 3] };
    });
    expect(catchErr(() => importOnnx(typed)).message).toMatch(
      /has 3 entries in float_data — expected 12/,
    );
  });

  it('declared sizes far beyond the file size are rejected before allocating, dims beyond 2^53 − 1 too', () => {
    const huge = withModel(simple(), (m) => (m.graph!.initializer![0]!.dims = [1e9, 1e9]));
    expect(catchErr(() => importOnnx(huge)).message).toMatch(
      /tensor "W" (has raw_data of the wrong size|declares dims)/,
    );
    const beyond = withModel(
      simple(),
      (m) => (m.graph!.initializer![0]!.dims = ['9007199254740993', '1'] as never),
    );
    expect(catchErr(() => importOnnx(beyond)).message).toMatch(
      /tensor "W" has an invalid dimension 0 — expected a non-negative integer ≤ 2\^53 − 1/,
    );
    const negative = withModel(simple(), (m) => (m.graph!.initializer![0]!.dims = [-3, -4]));
    expect(catchErr(() => importOnnx(negative)).message).toMatch(/invalid dimension 0/);
  });

  it('NaN/Inf weights are reported with the tensor name and count', () => {
    const bad = withModel(simple(), (m) => {
      const w = new Float32Array(12).fill(0.5);
      w[3] = NaN;
      w[7] = Infinity;
      m.graph!.initializer![0] = floatTensor('W', w, [3, 4]);
    });
    const e = catchErr(() => importOnnx(bad));
    expect(e.message).toMatch(
      /tensor "W" \(weight of node "\/n0\/Gemm"\) contains 2 non-finite values/,
    );
    expect(e.tensor).toBe('W');
  });

  it('a missing initializer and a branching graph', () => {
    const missing = withModel(
      simple(),
      (m) => (m.graph!.initializer = m.graph!.initializer!.filter((t) => t.name !== 'W1')),
    );
    expect(catchErr(() => importOnnx(missing)).message).toMatch(
      /reads "W1", which is neither an initializer/,
    );
    const b = new ModelBuilder(17, [4]);
    const h = b.op('Relu', [
      b.op('Gemm', ['x', b.init('W', new Float32Array(12), [3, 4])], [attr.int('transB', 1)]),
    ]);
    const y = b.op('Add', [
      b.op('Gemm', [h, b.init('Wa', new Float32Array(6), [2, 3])], [attr.int('transB', 1)]),
      b.op('Gemm', [h, b.init('Wb', new Float32Array(6), [2, 3])], [attr.int('transB', 1)]),
    ]);
    expect(catchErr(() => importOnnx(b.build(y, 2))).message).toMatch(/is one of 2 consumers of/);
  });

  it('nidkit metadata that contradicts the graph', () => {
    const m = decodeModel(valid);
    const ir = m.metadataProps!.find((p) => p.key === 'nidkit.ir')!;
    ir.value = ir.value!.replace('"family":"w-asym"', '"family":"syre"');
    expect(catchErr(() => importOnnx(encodeModel(m))).message).toMatch(
      /nidkit metadata does not match the graph — family: expected syre \(metadata\), got w-asym \(graph\)/,
    );
  });

  it('raw_data at an odd byte offset decodes correctly; float_data and raw_data give identical tensors', () => {
    const values = Float32Array.from([1.5, -2.25, 3.125, Math.fround(0.1), -0, 1e-30]);
    const t = floatTensor('w', values, [2, 3]);
    const backing = new Uint8Array(t.rawData!.length + 1);
    backing.set(t.rawData!, 1);
    const odd: TensorMsg = { ...t, rawData: backing.subarray(1) };
    const ctx = { baseDir: null, warnings: [] };
    const a = decodeTensor(odd, ctx, 'w');
    const b = decodeTensor(
      { name: 'w', dataType: 1, dims: [2, 3], floatData: Array.from(values) },
      ctx,
      'w',
    );
    expect(Buffer.from((a.data as Float32Array).buffer).equals(Buffer.from(values.buffer))).toBe(
      true,
    );
    expect(Buffer.from((b.data as Float32Array).buffer).equals(Buffer.from(values.buffer))).toBe(
      true,
    );
    expect(a.shape).toEqual([2, 3]);
  });

  it('never mutates its input (regression: Buffer#slice shares memory with the file bytes)', () => {
    const m = decodeModel(valid);
    const mask = m.graph!.initializer!.find((t) => t.name === 'lins.0.mask')!;
    mask.rawData = Uint8Array.from(mask.rawData!, (b) => (b ? 2 : 0));
    const bytes = Buffer.from(encodeModel(m));
    const before = Buffer.from(bytes);
    const r = importOnnx(bytes);
    expect(bytes.equals(before)).toBe(true);
    const lin = r.network.layers.find((l) => l.type === 'linear')!;
    expect(
      lin.type === 'linear' &&
        lin.fixed?.kind === 'mask' &&
        lin.fixed.mask.data.every((v) => v === 0 || v === 1),
    ).toBe(true);
  });

  it('DOUBLE weights are converted to float32 with a warning', () => {
    const bytes = withModel(simple(), (m) => {
      m.graph!.initializer![0] = {
        name: 'W',
        dataType: 11,
        dims: [3, 4],
        doubleData: new Array<number>(12).fill(0.5),
      };
    });
    const r = importOnnx(bytes);
    expect(r.warnings).toEqual(['tensor "W": DOUBLE data converted to float32']);
  });
});

describe('external data (path safety)', () => {
  const root = mkdtempSync(join(tmpdir(), 'nidkit-ext-'));
  const modelDir = join(root, 'model');
  mkdirSync(modelDir);
  const weights = new Float32Array(12).fill(0.5);
  writeFileSync(
    join(modelDir, 'weights.bin'),
    Buffer.concat([Buffer.alloc(8), Buffer.from(weights.buffer)]),
  );
  writeFileSync(join(root, 'outside.bin'), Buffer.from(weights.buffer));
  symlinkSync(join(root, 'outside.bin'), join(modelDir, 'escape.bin'));
  writeFileSync(join(modelDir, 'linked.bin'), Buffer.from(weights.buffer));
  linkSync(join(modelDir, 'linked.bin'), join(root, 'second-link.bin'));

  function external(location: string, offset = 0, length?: number): Uint8Array {
    return withModel(simple(), (m) => {
      const entries = [
        { key: 'location', value: location },
        { key: 'offset', value: String(offset) },
      ];
      if (length !== undefined) entries.push({ key: 'length', value: String(length) });
      m.graph!.initializer![0] = {
        name: 'W',
        dataType: 1,
        dims: [3, 4],
        dataLocation: 1,
        externalData: entries,
      };
    });
  }

  it('a valid relative location loads (and loadOnnxModel resolves it next to the file)', async () => {
    const r = importOnnx(external('weights.bin', 8, 48), { baseDir: modelDir });
    const lin = r.network.layers[0]!;
    expect(lin.type === 'linear' && Array.from(lin.weight.data)).toEqual(Array.from(weights));
    writeFileSync(join(modelDir, 'm.onnx'), external('weights.bin', 8));
    expect((await loadOnnxModel(join(modelDir, 'm.onnx'))).network.layers.length).toBe(3);
  });

  it('requires a baseDir when importing bytes', () => {
    expect(catchErr(() => importOnnx(external('weights.bin', 8))).message).toMatch(
      /tensor "W" stores its data externally/,
    );
  });

  const cases: [string, string, RegExp, number?][] = [
    ['an absolute path', join(modelDir, 'weights.bin'), /absolute path/],
    ['a Windows drive path', 'C:\\weights.bin', /absolute path/],
    ['a ".." segment', '../outside.bin', /contains a "\.\." segment/],
    ['a backslash ".." segment', 'sub\\..\\..\\outside.bin', /contains a "\.\." segment/],
    ['a symlink escaping the folder', 'escape.bin', /outside the model's folder/],
    ['a hard-linked file', 'linked.bin', /2 hard links/],
    [
      'an offset past the end',
      'weights.bin',
      /offset \+ length — expected at most the file size 56/,
      40,
    ],
    ['an empty location', '', /location is empty/],
  ];
  for (const [what, location, re, offset] of cases) {
    it(`rejects ${what}, naming the tensor`, () => {
      let err: unknown;
      try {
        importOnnx(external(location, offset ?? 0), { baseDir: modelDir });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UnsafeExternalDataError);
      expect((err as UnsafeExternalDataError).message).toMatch(/tensor "W"/);
      expect((err as UnsafeExternalDataError).message).toMatch(re);
      expect((err as UnsafeExternalDataError).tensor).toBe('W');
    });
  }

  it('rejects a length that does not match the element count', () => {
    expect(() => importOnnx(external('weights.bin', 8, 1e12), { baseDir: modelDir })).toThrow(
      /length — expected 48 bytes/,
    );
  });
});

describe('fuzzing: mutated files either import or throw a nidkit error', () => {
  const fixture = (name: string): Uint8Array =>
    new Uint8Array(readFileSync(new URL(`../../test/fixtures/pytorch/${name}`, import.meta.url)));
  const seeds = [
    valid,
    exportOnnx(makeNet({ family: 'syre', widths: [3, 2, 2], norm: 'batch', act: 'relu' }), {
      opset: 14,
    }),
    simple(),
    fixture('w-asym-layer-gelu-op17-unfolded-view.onnx'),
    fixture('standard-layer-gelu_tanh-op14-unfolded-none.onnx'),
  ];
  it('bit flips, truncations, insertions and field changes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.array(
          fc.oneof(
            fc.record({
              kind: fc.constant('flip' as const),
              pos: fc.nat(),
              bit: fc.integer({ min: 0, max: 7 }),
            }),
            fc.record({ kind: fc.constant('truncate' as const), pos: fc.nat() }),
            fc.record({
              kind: fc.constant('set' as const),
              pos: fc.nat(),
              value: fc.integer({ min: 0, max: 255 }),
            }),
            fc.record({
              kind: fc.constant('insert' as const),
              pos: fc.nat(),
              bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }),
            }),
          ),
          { minLength: 1, maxLength: 4 },
        ),
        (which, mutations) => {
          let bytes = seeds[which]!.slice();
          for (const m of mutations) {
            if (bytes.length === 0) break;
            const pos = m.pos % bytes.length;
            if (m.kind === 'flip') bytes[pos]! ^= 1 << m.bit;
            else if (m.kind === 'set') bytes[pos] = m.value;
            else if (m.kind === 'truncate') bytes = bytes.slice(0, pos);
            else
              bytes = Uint8Array.from([
                ...bytes.subarray(0, pos),
                ...m.bytes,
                ...bytes.subarray(pos),
              ]);
          }
          try {
            importOnnx(bytes);
          } catch (e) {
            if (!(e instanceof NidkitError)) throw new Error(`non-nidkit error: ${String(e)}`);
          }
        },
      ),
      { seed: 20260601, numRuns: 500 },
    );
  });

  it('structured field changes (dims, data types, attributes, opsets)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: -5, max: 40 }),
        fc.integer({ min: 0, max: 5 }),
        (k, value, field) => {
          const m = decodeModel(valid);
          const inits = m.graph!.initializer!;
          const nodes = m.graph!.node!;
          const t = inits[k % inits.length]!;
          const n = nodes[k % nodes.length]!;
          if (field === 0) t.dims = [value, ...(t.dims ?? []).slice(1)];
          else if (field === 1) t.dataType = value;
          else if (field === 2) n.attribute = [{ name: 'transB', type: 2, i: value }];
          else if (field === 3) m.opsetImport = [{ domain: '', version: value }];
          else if (field === 4) n.input = [...(n.input ?? []).slice(1), `x${value}`];
          else
            n.opType = ['Relu', 'Gemm', 'Add', 'Mul', 'Where', 'Erf'][
              value % 6 < 0 ? 0 : value % 6
            ]!;
          try {
            importOnnx(encodeModel(m));
          } catch (e) {
            if (!(e instanceof NidkitError)) throw new Error(`non-nidkit error: ${String(e)}`);
          }
        },
      ),
      { seed: 7, numRuns: 300 },
    );
  });
});
