/**
 * Lowering of matMul (plain and fused), reshapes, transposes, reductions and broadcasts.
 * A fused matMul becomes tf.fused.matMul when the backend runs its activation fused and the bias is a
 * plain per-column vector (what the fusion pass produces); anything else is spelled out.
 */
import * as tf from '@tensorflow/tfjs-core'
import type { ReduceAttrs } from '../../dsl/ops.js'
import { type LowerContext, type Lowering, activate, axesOf, isWasm, runsFused } from './common.js'

/** A reduction; no axes means the identity, as the shape rule says. */
const reduce =
  (f: (x: tf.Tensor, axes: number[], keepDims: boolean) => tf.Tensor) =>
  (x: tf.Tensor, a: { readonly axes: readonly number[]; readonly keepDims: boolean }): tf.Tensor =>
    a.axes.length === 0 ? x : f(x, axesOf(a.axes, x.rank), a.keepDims)

/**
 * A mean (or sum) over leading axes as one global average pooling: x viewed as [1, M / w, w, rest].
 * tfjs-wasm reduces only innermost axes and transposes first otherwise: a bias gradient (sum over N, H, W
 * of an NHWC tensor) costs ~6 ms that way at LeNet's first layer and ~0.6 ms as XNNPACK's pooling (a GEMM
 * with a row of ones is no better: XNNPACK repacks the fresh [M, C] operand on every call).
 */
const leadingMean = (x: tf.Tensor, a: ReduceAttrs, ctx: LowerContext): { mean: tf.Tensor; count: number } | undefined => {
  const axes = axesOf(a.axes, x.rank).sort((p, q) => p - q)
  if (!isWasm(ctx.backend) || x.dtype !== 'float32' || axes.length === 0 || axes.length === x.rank || !axes.every((ax, i) => ax === i)) return undefined
  const lead = x.shape.slice(0, axes.length)
  const m = lead.reduce((p, q) => p * q, 1)
  const w = lead[lead.length - 1]!
  const rest = x.shape.slice(axes.length)
  const pooled = tf.avgPool(tf.reshape(x, [1, m / w, w, rest.reduce((p, q) => p * q, 1)]) as tf.Tensor4D, [m / w, w], 1, 'valid')
  return { mean: tf.reshape(pooled, a.keepDims ? [...axes.map(() => 1), ...rest] : rest), count: m }
}

const viaPooling = (x: tf.Tensor, a: ReduceAttrs, ctx: LowerContext, sum: boolean): tf.Tensor | undefined => {
  const r = leadingMean(x, a, ctx)
  return r === undefined ? undefined : sum ? tf.mul(r.mean, r.count) : r.mean
}

/** Whether `bias` is a vector over the columns of the [M, N] product (what fused kernels take everywhere). */
const columnBias = (bias: tf.Tensor | undefined, columns: number): boolean => bias === undefined || (bias.rank === 1 && bias.shape[0] === columns)

interface MatMulOperands {
  readonly a: tf.Tensor2D
  readonly b: tf.Tensor2D
  readonly transposeA: boolean
  readonly transposeB: boolean
}

/**
 * The operands as the backend multiplies them fastest. tfjs-wasm runs a transposed operand through a
 * slow generic path (5-10x slower than XNNPACK's plain GEMM at LeNet's sizes), while an explicit
 * transpose of a [256, 400] operand costs a fraction of a millisecond, so wasm gets explicit transposes.
 */
const operands = (a: tf.Tensor, b: tf.Tensor, at: { readonly transposeA: boolean; readonly transposeB: boolean }, backend: string): MatMulOperands =>
  isWasm(backend)
    ? {
        a: (at.transposeA ? tf.transpose(a) : a) as tf.Tensor2D,
        b: (at.transposeB ? tf.transpose(b) : b) as tf.Tensor2D,
        transposeA: false,
        transposeB: false,
      }
    : { a: a as tf.Tensor2D, b: b as tf.Tensor2D, transposeA: at.transposeA, transposeB: at.transposeB }

/** The lowerings of the structural ops. */
export const structureLowerings = {
  matMul: ([a, b], at, ctx) => {
    const m = operands(a!, b!, at, ctx.backend)
    return tf.matMul(m.a, m.b, m.transposeA, m.transposeB)
  },
  fusedMatMul: ([a, b, bias], at, ctx) => {
    const m = operands(a!, b!, at, ctx.backend)
    const columns = at.transposeB ? b!.shape[0]! : b!.shape[1]!
    if (runsFused(ctx.backend, at.activation) && columnBias(bias, columns)) return tf.fused.matMul({ ...m, activation: at.activation, ...(bias ? { bias } : {}) })
    const y = tf.matMul(m.a, m.b, m.transposeA, m.transposeB)
    return activate(bias ? tf.add(y, bias) : y, at.activation)
  },
  reshape: ([x], a, ctx) => tf.reshape(x!, ctx.bind(a.shape)),
  transpose: ([x], a) => tf.transpose(x!, [...a.perm]),
  sum: ([x], a, ctx) => viaPooling(x!, a, ctx, true) ?? reduce((t, ax, k) => tf.sum(t, ax, k))(x!, a),
  mean: ([x], a, ctx) => viaPooling(x!, a, ctx, false) ?? reduce((t, ax, k) => tf.mean(t, ax, k))(x!, a),
  max: ([x], a) => reduce((t, ax, k) => tf.max(t, ax, k))(x!, a),
  broadcastTo: ([x], a, ctx) => tf.broadcastTo(x!, ctx.bind(a.shape)),
} satisfies { [O in 'matMul' | 'fusedMatMul' | 'reshape' | 'transpose' | 'sum' | 'mean' | 'max' | 'broadcastTo']: Lowering<O> }
