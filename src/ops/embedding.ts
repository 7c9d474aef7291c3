/**
 * embedding(table [V, D], int32 indices [...I]) -> [...I, D]: the rows of a float table picked by index
 * (tf.gather on axis 0, ONNX Gather), and its gradient primitive embeddingGrad(indices, dy) -> [V, D], the
 * scatter-add of dy's rows into the rows they were read from (indices get no gradient).
 *
 * Out of range: an index outside 0..V-1 reads the nearest row (it is clamped to 0..V-1) on every backend,
 * in the reference and in the ONNX export, and its gradient goes to that row. tfjs alone has no single
 * behaviour (cpu and wasm throw, webgpu reads zeros), so the op clamps first; a data pipeline that must
 * reject such indices checks them with `invalidCount` ('classRange', classes V), as it checks labels.
 *
 * The gradient lowers to tf.scatterND (duplicates add; every backend has it: wasm has no
 * UnsortedSegmentSum); the reference computes it as onehot(indices)^T dy, an independent formula.
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { type Node, mk } from '../ir/node.js'
import type { None } from '../ir/ops.js'
import { type RShape, ShapeError, isKnown, showShape } from '../ir/shape.js'
import type { OpFamily } from './shared/impl.js'
import { inOriginalLayout } from './shared/layout.js'
import { attr, gradientPrimitive } from './shared/onnx.js'
import { asWritten, noFold, noSimplify } from './shared/rewrites.js'
import { arity, ok } from './shared/shape-rules.js'

declare module '../ir/ops.js' {
  interface OpAttrs {
    /** Rows of table [V, D] at int32 indices [...I] (clamped to 0..V-1): [...I, D]. */
    embedding: None
    /** Scatter-add of dy [...I, D] into a zero [vocab, D] at the (clamped) int32 indices [...I]: inputs (indices, dy). */
    embeddingGrad: { readonly vocab: number }
  }
}

/** The table is [V, D] and the indices int32. */
const embeddingCheck = (table: Node, indices: Node): E.Either<ShapeError, RShape> =>
  table.shape.length !== 2
    ? E.left(new ShapeError('embedding', `embedding expects a table [V, D] but got ${showShape(table.shape)}`, [table.shape]))
    : indices.dtype !== 'int32'
      ? E.left(new ShapeError('embedding', `embedding expects int32 indices but got ${indices.dtype}`))
      : E.right([...indices.shape, table.shape[1]!])

/** Indices clamped to 0..vocab-1 (int32 scalars: a float bound would make the result float32). */
const clamp = (indices: tf.Tensor, vocab: number): tf.Tensor =>
  tf.minimum(tf.maximum(indices, tf.scalar(0, 'int32')), tf.scalar(vocab - 1, 'int32'))

/**
 * The rows of `table` at `indices` (clamped), with tfjs ops: the reference and every backend's lowering.
 * @example embeddingOf(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor1d([1, 0, 7], 'int32')) // [[3, 4], [1, 2], [3, 4]]
 */
export const embeddingOf = (table: tf.Tensor, indices: tf.Tensor): tf.Tensor => tf.tidy(() => tf.gather(table, clamp(indices, table.shape[0]!), 0))

/** The lowering of embeddingGrad: scatterND of dy's rows (duplicates add). */
const scatterRows = (indices: tf.Tensor, dy: tf.Tensor, vocab: number): tf.Tensor =>
  tf.tidy(() => {
    const d = dy.shape[dy.shape.length - 1]!
    return tf.scatterND(tf.reshape(clamp(indices, vocab), [-1, 1]), tf.reshape(dy, [-1, d]), [vocab, d])
  })

/** The reference of embeddingGrad: onehot(indices)^T dy, [vocab, D]. */
const oneHotRows = (indices: tf.Tensor, dy: tf.Tensor, vocab: number): tf.Tensor =>
  tf.tidy(() => {
    const d = dy.shape[dy.shape.length - 1]!
    // [vocab, K]: row v is 1 where index k is v (tf.oneHot needs a depth of 2 or more)
    const hot = tf.cast(tf.equal(tf.reshape(tf.range(0, vocab, 1, 'int32'), [vocab, 1]), tf.reshape(clamp(indices, vocab), [1, -1])), 'float32')
    return tf.matMul(hot, tf.reshape(dy, [-1, d]))
  })

const plain = { layout: inOriginalLayout, fold: noFold, simplify: noSimplify, canonical: asWritten } as const

/**
 * embedding and embeddingGrad.
 * @example mk('embedding', [table, indices], {}) // [10, 32] and int32 ['N', 8] -> ['N', 8, 32]
 */
export const embeddingOps = {
  embedding: {
    ...plain,
    indexRange: (n) => (isKnown(n.inputs[0]!.shape[0]!) ? { operand: n.inputs[1]!, classes: n.inputs[0]!.shape[0] as number } : undefined),
    shape: (i) => pipe(arity('embedding', i, 2), E.chain(([t, x]) => embeddingCheck(t!, x!)), E.chain((s) => ok(s))),
    grad: (y, dy, needed) => [needed[0] ? mk('embeddingGrad', [y.inputs[1]!, dy], { vocab: y.inputs[0]!.shape[0] as number }) : undefined, undefined],
    eval: ([table, indices]) => embeddingOf(table!, indices!),
    lower: ([table, indices]) => embeddingOf(table!, indices!),
    // Gather(table, Clip(indices, 0, V - 1)) on axis 0
    onnx: ([table, indices], _a, cx) => {
      const vocab = cx.node.inputs[0]!.shape[0] as number
      const lo = cx.b.constant([], 'int32', [0])
      const hi = cx.b.constant([], 'int32', [vocab - 1])
      return E.right(cx.b.op('Gather', [table!, cx.b.op('Clip', [indices!, lo, hi])], { axis: attr.int(0) }))
    },
  },
  embeddingGrad: {
    ...plain,
    shape: (i, a) =>
      pipe(
        arity('embeddingGrad', i, 2),
        E.chain(([x, dy]) =>
          x!.dtype !== 'int32'
            ? E.left(new ShapeError('embeddingGrad', `embeddingGrad expects int32 indices but got ${x!.dtype}`))
            : dy!.shape.length !== x!.shape.length + 1
              ? E.left(new ShapeError('embeddingGrad', `embeddingGrad expects an output gradient [${[...x!.shape, 'D'].join(', ')}] but got ${showShape(dy!.shape)}`, [dy!.shape]))
              : ok([a.vocab, dy!.shape[dy!.shape.length - 1]!]),
        ),
      ),
    // linear in dy: the adjoint of a scatter-add is the gather of the same rows
    grad: (y, dy) => [undefined, mk('embedding', [dy, y.inputs[0]!], {})],
    eval: ([indices, dy], a) => oneHotRows(indices!, dy!, a.vocab),
    lower: ([indices, dy], a) => scatterRows(indices!, dy!, a.vocab),
    onnx: gradientPrimitive,
  },
} satisfies OpFamily<'embedding' | 'embeddingGrad'>
