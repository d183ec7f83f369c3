/**
 * Hand-assembled ONNX models for tests (nidkit's own protobuf writer, no python needed).
 */
import { attr, floatTensor, int64Tensor, node, valueInfo } from '../src/proto/build.js';
import type { AttributeMsg, ModelMsg, NodeMsg, OpsetId, TensorMsg } from '../src/proto/schema.js';
import { DataType, encodeModel } from '../src/proto/schema.js';

export { attr, floatTensor, int64Tensor, node };

export class ModelBuilder {
  readonly nodes: NodeMsg[] = [];
  readonly inits: TensorMsg[] = [];
  private k = 0;
  constructor(
    readonly opset: number,
    readonly inputShape: readonly (number | string)[],
  ) {}

  init(name: string, data: Float32Array | number[], dims: readonly number[]): string {
    this.inits.push(floatTensor(name, Float32Array.from(data), dims));
    return name;
  }

  ints(name: string, data: number[]): string {
    this.inits.push(int64Tensor(name, data, [data.length]));
    return name;
  }

  scalar(value: number): string {
    return this.init(`c${this.k++}`, [value], []);
  }

  op(
    opType: string,
    inputs: string[],
    attributes: AttributeMsg[] = [],
    outputs?: string[],
  ): string {
    const outs = outputs ?? [`t${this.k++}`];
    this.nodes.push(node(opType, inputs, outs, `/n${this.nodes.length}/${opType}`, attributes));
    return outs[0]!;
  }

  message(
    output: string,
    outDim: number,
    extra: Partial<ModelMsg> = {},
    opsets?: OpsetId[],
  ): ModelMsg {
    return {
      irVersion: 8,
      producerName: 'test',
      graph: {
        node: this.nodes,
        name: 'g',
        initializer: this.inits,
        input: [valueInfo('x', DataType.FLOAT, ['N', ...this.inputShape])],
        output: [valueInfo(output, DataType.FLOAT, ['N', outDim])],
      },
      opsetImport: opsets ?? [{ domain: '', version: this.opset }],
      ...extra,
    };
  }

  build(
    output: string,
    outDim: number,
    extra: Partial<ModelMsg> = {},
    opsets?: OpsetId[],
  ): Uint8Array {
    return encodeModel(this.message(output, outDim, extra, opsets));
  }
}
