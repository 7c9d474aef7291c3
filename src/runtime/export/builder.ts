/**
 * An ONNX graph under construction: nodes, initializers and unique value names, plus the helpers every
 * export rule needs (int64 constants for shapes and axes, a runtime shape tensor for shapes with
 * symbolic dims). Everything here is plain data in the shapes onnx-proto's `create` accepts; onnx.ts
 * wraps it into a ModelProto.
 */
import * as E from 'fp-ts/lib/Either.js'
import onnxProto from 'onnx-proto'
import type { DType } from '../../dsl/ops.js'
import { type RShape, isKnown } from '../../dsl/shape.js'
import { type AttrValue, type OnnxEmitter, attr } from '../../ops/shared/onnx.js'
import { ExportError } from './errors.js'

export { type AttrValue, attr } from '../../ops/shared/onnx.js'

/** onnx-proto is CommonJS (`module.exports = { onnx }`), so Node's ESM loader only sees a default export. */
export const { onnx } = onnxProto

/** ONNX element type codes (TensorProto.DataType) of our dtypes. */
export const elemType = (d: DType | 'int64'): number =>
  d === 'float32' ? onnx.TensorProto.DataType.FLOAT : d === 'int32' ? onnx.TensorProto.DataType.INT32 : onnx.TensorProto.DataType.INT64

/** Little-endian raw bytes, as TensorProto.raw_data requires whatever the host's byte order. */
const rawBytes = (data: Float32Array | Int32Array | readonly number[], type: 'float32' | 'int32' | 'int64'): Uint8Array => {
  const width = type === 'int64' ? 8 : 4
  const view = new DataView(new ArrayBuffer(data.length * width))
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!
    if (type === 'float32') view.setFloat32(i * 4, v, true)
    else if (type === 'int32') view.setInt32(i * 4, v, true)
    else view.setBigInt64(i * 8, BigInt(v), true)
  }
  return new Uint8Array(view.buffer)
}

/** A TensorProto (as onnx-proto's plain-object form) with its data in raw_data. */
export const tensorProto = (
  name: string,
  dims: readonly number[],
  type: 'float32' | 'int32' | 'int64',
  data: Float32Array | Int32Array | readonly number[],
): InstanceType<typeof onnx.TensorProto> =>
  onnx.TensorProto.create({ name, dims: [...dims], dataType: elemType(type), rawData: rawBytes(data, type) })

/** A value_info: known dims as dim_value, a symbolic name ('N') as dim_param, a product ('N*400') left open. */
export const valueInfo = (name: string, shape: RShape, dtype: DType): InstanceType<typeof onnx.ValueInfoProto> =>
  onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: elemType(dtype),
        shape: { dim: shape.map((d) => (isKnown(d) ? { dimValue: d } : d.includes('*') ? {} : { dimParam: d })) },
      },
    },
  })

const attributeProto = (name: string, v: AttrValue): InstanceType<typeof onnx.AttributeProto> => {
  const T = onnx.AttributeProto.AttributeType
  return 'i' in v
    ? onnx.AttributeProto.create({ name, type: T.INT, i: v.i })
    : 'ints' in v
      ? onnx.AttributeProto.create({ name, type: T.INTS, ints: [...v.ints] })
      : onnx.AttributeProto.create({ name, type: T.FLOAT, f: v.f })
}

/**
 * Builds one graph. `label` names what the current IR node emits (`conv2d_7`, `conv2d_7_1`, ...), so a
 * node in Netron points back at the IR node it came from.
 */
export class GraphBuilder implements OnnxEmitter {
  readonly nodes: InstanceType<typeof onnx.NodeProto>[] = []
  readonly initializers: InstanceType<typeof onnx.TensorProto>[] = []
  private readonly used = new Set<string>()
  private readonly constants = new Map<string, string>()
  private readonly stored = new Set<string>()
  private readonly shapes = new Map<string, string>()
  private label = 'node'
  private count = 0

  constructor(
    readonly opset: number,
    /** The graph input's value name and IR shape (symbolic dims are read from it at run time). */
    readonly input: { readonly name: string; readonly shape: RShape },
    reserved: readonly string[],
  ) {
    for (const r of reserved) this.used.add(r)
  }

  /** Names what follows after the IR node `label` (e.g. 'conv2d_7'). */
  at(label: string): void {
    this.label = label
    this.count = 0
  }

  /** A value name not used yet, from `base`. */
  fresh(base: string): string {
    let name = base
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`
    this.used.add(name)
    return name
  }

  /** Emits `opType(inputs; attrs)` and returns its (single) output's name. */
  op(opType: string, inputs: readonly string[], attrs: Readonly<Record<string, AttrValue>> = {}): string {
    const out = this.fresh(this.count === 0 ? this.label : `${this.label}_${this.count}`)
    this.count++
    this.nodes.push(
      onnx.NodeProto.create({
        name: out,
        opType,
        input: [...inputs],
        output: [out],
        attribute: Object.entries(attrs).map(([k, v]) => attributeProto(k, v)),
      }),
    )
    return out
  }

  /** Adds an initializer named exactly `name` (a param keeps its leaf name). */
  initializer(name: string, dims: readonly number[], type: 'float32' | 'int32' | 'int64', data: Float32Array | Int32Array | readonly number[]): string {
    if (this.stored.has(name)) return name
    this.used.add(name)
    this.stored.add(name)
    this.initializers.push(tensorProto(name, dims, type, data))
    return name
  }

  /** A constant initializer (shared between equal requests): int64 for shapes, axes and indices. */
  constant(dims: readonly number[], type: 'float32' | 'int32' | 'int64', data: Float32Array | Int32Array | readonly number[]): string {
    const key = `${type}[${dims.join(',')}]${Array.from(data).join(',')}`
    const hit = this.constants.get(key)
    if (hit !== undefined) return hit
    const name = this.initializer(this.fresh(`const_${this.constants.size}`), dims, type, data)
    this.constants.set(key, name)
    return name
  }

  /** A 1-D int64 constant: shapes, axes, pads given as inputs. */
  int64s(values: readonly number[]): string {
    return this.constant([values.length], 'int64', values)
  }

  /** A float32 scalar constant. */
  scalar(value: number): string {
    return this.constant([], 'float32', [value])
  }

  /**
   * An int64 [rank] tensor holding `shape`: a constant when every dim is known, else computed from the
   * input's runtime Shape (a symbolic dim must be one of the input's dims, or a product of them and
   * numbers, e.g. 'N*400').
   *
   * @example
   * b.shapeOf(['N', 10]) // Concat(Gather(Shape(x), [0]), [10])
   */
  shapeOf(shape: RShape): E.Either<ExportError, string> {
    if (shape.every(isKnown)) return E.right(this.int64s(shape))
    const key = shape.join(',')
    const hit = this.shapes.get(key)
    if (hit !== undefined) return E.right(hit)
    const axes = new Map(this.input.shape.map((d, i) => [String(d), i]))
    const parts: string[] = []
    for (const d of shape) {
      if (isKnown(d)) {
        parts.push(this.int64s([d]))
        continue
      }
      let acc: string | undefined
      let k = 1
      for (const f of d.split('*')) {
        if (/^\d+$/.test(f)) {
          k *= Number(f)
          continue
        }
        const axis = axes.get(f)
        if (axis === undefined)
          return E.left(new ExportError(`cannot export a shape with symbolic dim '${f}': it is not a dim of the input '${this.input.name}'`))
        const dim = this.op('Gather', [this.runtimeShape(), this.int64s([axis])], { axis: attr.int(0) })
        acc = acc === undefined ? dim : this.op('Mul', [acc, dim])
      }
      parts.push(acc === undefined ? this.int64s([k]) : k === 1 ? acc : this.op('Mul', [acc, this.int64s([k])]))
    }
    const out = this.op('Concat', parts, { axis: attr.int(0) })
    this.shapes.set(key, out)
    return E.right(out)
  }

  private runtimeShape(): string {
    const hit = this.shapes.get('')
    if (hit !== undefined) return hit
    const s = this.op('Shape', [this.input.name])
    this.shapes.set('', s)
    return s
  }

  /**
   * Makes `value` the graph output `name`: the last node's output is renamed when nothing else reads it,
   * otherwise (a leaf, a reused value) an Identity copies it.
   */
  finish(value: string, name: string): void {
    const last = this.nodes[this.nodes.length - 1]
    const read = this.nodes.some((n) => (n.input ?? []).includes(value))
    if (last && last.output[0] === value && !read) last.output[0] = name
    else this.nodes.push(onnx.NodeProto.create({ name: `${name}_identity`, opType: 'Identity', input: [value], output: [name] }))
  }
}
