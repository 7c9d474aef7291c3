/**
 * batchMatMul: numpy's / torch's matmul on operands of rank >= 2, [...A, M, K] x [...B, K, N] ->
 * [...broadcast(A, B), M, N] (F.matmul). The leading (batch) dims broadcast; each backend multiplies a
 * rank-3 [batch, M, K] x [batch, K, N] (tf.matMul, which every backend has) after broadcasting and
 * flattening them, or one 2-D product when only the left operand has batch dims. On 2-D operands it
 * simplifies to the 2-D `matMul`, so the fusion and layout passes see the op they know.
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { type Node, mk } from '../ir/node.js'
import type { None } from '../ir/ops.js'
import { type Dim, type RShape, isKnown, showShape } from '../ir/shape.js'
import { unbroadcast } from './shared/grad.js'
import type { OpFamily } from './shared/impl.js'
import { inOriginalLayout } from './shared/layout.js'
import { asWritten, fillLike, fillValue } from './shared/rewrites.js'
import { type RuleResult, arity, broadcastDim, ok, shapeError } from './shared/shape-rules.js'

declare module '../ir/ops.js' {
  interface OpAttrs {
    /** [...A, M, K] x [...B, K, N] -> [...broadcast(A, B), M, N]. */
    batchMatMul: None
  }
}

/**
 * [...A, M, K] x [...B, K, N] -> [...broadcast(A, B), M, N].
 * @example batchMatMulShape(['N', 2, 3, 4], [4, 5]) // Right(['N', 2, 3, 5])
 */
export const batchMatMulShape = (a: RShape, b: RShape): RuleResult => {
  if (a.length < 2 || b.length < 2)
    return shapeError('batchMatMul', `matmul expects operands of rank 2 or more but got ${showShape(a)} and ${showShape(b)}`, a, b)
  const [m, k1] = a.slice(-2) as [Dim, Dim]
  const [k2, n] = b.slice(-2) as [Dim, Dim]
  if (isKnown(k1) && isKnown(k2) && k1 !== k2)
    return shapeError('batchMatMul', `matmul inner dims differ: ${showShape(a)} x ${showShape(b)} (${k1} vs ${k2})`, a, b)
  const [la, lb] = [a.slice(0, -2), b.slice(0, -2)]
  const rank = Math.max(la.length, lb.length)
  const lead: Dim[] = []
  for (let i = 0; i < rank; i++) {
    const d = broadcastDim(la[la.length - rank + i] ?? 1, lb[lb.length - rank + i] ?? 1)
    if (d === undefined) return shapeError('batchMatMul', `matmul cannot broadcast ${showShape(la)} with ${showShape(lb)}`, a, b)
    lead.push(d)
  }
  return ok([...lead, m, n])
}

/** The last two axes swapped (a batch of transposed matrices). */
const swapLast = (x: Node): Node => {
  const r = x.shape.length
  return mk('transpose', [x], { perm: [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2] })
}

const product = (ds: readonly number[]): number => ds.reduce((p, d) => p * d, 1)

/**
 * The product with tfjs ops: rank-3 tf.matMul over the broadcast, flattened batch dims; one 2-D product
 * when the right operand has no batch dims (or only 1s). The reference and every backend's lowering.
 * @example batchMatMulOf(tf.ones([2, 3, 4]), tf.ones([4, 5])).shape // [2, 3, 5]
 */
export const batchMatMulOf = (a: tf.Tensor, b: tf.Tensor): tf.Tensor => {
  const [la, lb] = [a.shape.slice(0, -2), b.shape.slice(0, -2)]
  const [m, k] = a.shape.slice(-2) as [number, number]
  const n = b.shape[b.rank - 1]!
  const rank = Math.max(la.length, lb.length)
  const lead = Array.from({ length: rank }, (_, i) => Math.max(la[la.length - rank + i] ?? 1, lb[lb.length - rank + i] ?? 1))
  if (product(lb) === 1) {
    const y = tf.matMul(tf.reshape(a, [-1, k]), tf.reshape(b, [k, n]))
    return tf.reshape(y, [...lead, m, n])
  }
  const batch = product(lead)
  const flat = (x: tf.Tensor, rows: number, cols: number): tf.Tensor3D => {
    const full = [...lead, rows, cols]
    const wide = x.rank === full.length && x.shape.every((d, i) => d === full[i]) ? x : tf.broadcastTo(x, full)
    return tf.reshape(wide, [batch, rows, cols])
  }
  return tf.reshape(tf.matMul(flat(a, m, k), flat(b, k, n)), [...lead, m, n])
}

/**
 * batchMatMul.
 * @example mk('batchMatMul', [q, kT], {}) // ['N', 8, 16, 64] x ['N', 8, 64, 16] -> ['N', 8, 16, 16]
 */
export const batchMatMulOps = {
  batchMatMul: {
    shape: (i) => pipe(arity('batchMatMul', i, 2), E.chain(([a, b]) => batchMatMulShape(a!.shape, b!.shape))),
    // C = A B: dA = dC B^T, dB = A^T dC, each summed down to its operand's (broadcast) shape
    grad: (y, dy, need) => {
      const [a, b] = y.inputs as [Node, Node]
      return [
        need[0] ? unbroadcast(mk('batchMatMul', [dy, swapLast(b)], {}), a.shape) : undefined,
        need[1] ? unbroadcast(mk('batchMatMul', [swapLast(a), dy], {}), b.shape) : undefined,
      ]
    },
    eval: ([a, b]) => batchMatMulOf(a!, b!),
    lower: ([a, b]) => batchMatMulOf(a!, b!),
    layout: inOriginalLayout,
    // fill x fill: every entry is a * b summed K times
    fold: (n) => {
      const k = n.inputs[0]!.shape.at(-1)!
      return isKnown(k) ? fillLike(n, fillValue(n.inputs[0]!) * fillValue(n.inputs[1]!) * k) : undefined
    },
    // 2-D operands: the 2-D matMul (which fusion and the layout pass know)
    simplify: (n) => {
      const [a, b] = n.inputs as [Node, Node]
      return a.shape.length === 2 && b.shape.length === 2 ? mk('matMul', [a, b], { transposeA: false, transposeB: false }) : undefined
    },
    canonical: asWritten,
    // ONNX's MatMul is numpy's matmul, batch broadcasting included
    onnx: (ins, _a, cx) => E.right(cx.b.op('MatMul', ins)),
  },
} satisfies OpFamily<'batchMatMul'>
