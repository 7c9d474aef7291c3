/**
 * sigmoid (S -> S) and its gradient primitive sigmoidGrad(y, dy) = dy * y * (1 - y), which reads the
 * saved output instead of recomputing it. On wasm, sigmoidGrad anchors two multi-node patterns that
 * run as one SIMD heap pass each (src/ops/kernels/simd):
 *  - pooledSigmoidGrad: sigmoidGrad(y, avgPool2dGrad(dp)) with non-overlapping unpadded k x k windows
 *    (the pool grad used by nothing else), plus the bias sums of that sigmoidGrad over N, H, W;
 *  - sigmoidGradWithBias: sigmoidGrad(y, dy) plus its bias sums over every axis but the last (dense layers).
 * Both match graphs after the layout pass (NHWC, channels last), float32.
 */
import * as tf from '@tensorflow/tfjs-core'
import { type Node, isOp, mk } from '../ir/node.js'
import type { None } from '../ir/ops.js'
import { isKnown, sameShape } from '../ir/shape.js'
import { pooledSigmoidGradWithBias, sigmoidGradWithBias } from './kernels/index.js'
import { activationGradOp, unaryOp } from './shared/elementwise.js'
import type { OpFamily } from './shared/impl.js'
import type { LowerContext } from './shared/lower.js'
import { onnxOp } from './shared/onnx.js'
import type { FusionPattern, GraphView } from './shared/patterns.js'
import { foldUnary, noSimplify } from './shared/rewrites.js'
import { axesOf, unpadded } from './shared/tensors.js'

declare module '../ir/ops.js' {
  interface OpAttrs {
    sigmoid: None
    /** dy * y * (1 - y) from the saved output y: inputs (y, dy). */
    sigmoidGrad: None
  }
}

/** `sum` over exactly the axes before the last of `of` (the bias gradient of a channels-last value). */
const isBiasSum = (u: Node, of: Node): u is Node<'sum'> =>
  isOp(u, 'sum') &&
  u.inputs[0] === of &&
  u.dtype === 'float32' &&
  of.shape.length > 0 &&
  [...new Set(axesOf(u.attrs.axes, of.shape.length))].sort((a, b) => a - b).join() === of.shape.slice(0, -1).map((_, i) => i).join()

/** The bias gradient [C] shaped as the sum node wants it ([C] or [1,...,1,C] with keepDims). */
const asSum = (db: tf.Tensor, sum: Node, ctx: LowerContext): tf.Tensor => tf.reshape(db, ctx.bind(sum.shape))

/** Splits the users of a sigmoidGrad into its bias sums and the rest. */
const biasSumsOf = (sg: Node, graph: GraphView): { sums: Node<'sum'>[]; others: Node[] } => {
  const sums: Node<'sum'>[] = []
  const others: Node[] = []
  for (const u of graph.users(sg)) (isBiasSum(u, sg) && !graph.claimed(u) ? sums : others).push(u)
  return { sums, others }
}

/** sigmoidGrad(y, avgPool2dGrad(dp)) [+ bias sums], one heap pass. */
const pooledSigmoidGrad: FusionPattern = (sg, graph) => {
  if (!isOp(sg, 'sigmoidGrad') || sg.dtype !== 'float32') return undefined
  const [y, pg] = sg.inputs as [Node, Node]
  if (!isOp(pg, 'avgPool2dGrad') || graph.isOutput(pg) || graph.claimed(pg) || graph.users(pg).length !== 1 || !sameShape(y.shape, pg.shape)) return undefined
  const a = pg.attrs
  const [, h, w] = a.inputShape
  const tiles = a.layout === 'NHWC' && unpadded(a.pad) && a.kernel[0] === a.strides[0] && a.kernel[1] === a.strides[1]
  if (!tiles || !isKnown(h) || !isKnown(w) || h % a.kernel[0] !== 0 || w % a.kernel[1] !== 0) return undefined
  const { sums, others } = biasSumsOf(sg, graph)
  const keep = graph.isOutput(sg) || others.length > 0
  return {
    pattern: 'pooledSigmoidGrad',
    inputs: [y, pg.inputs[0]!],
    outputs: [...(keep ? [sg] : []), ...sums],
    dead: keep ? [pg] : [pg, sg],
    run: ([yv, dp], ctx) => {
      const g = pooledSigmoidGradWithBias(yv as tf.Tensor4D, dp as tf.Tensor4D, a.kernel[0], a.kernel[1], keep)
      const out = [...(keep ? [g.dx!] : []), ...sums.map((s) => asSum(g.db, s, ctx))]
      g.db.dispose()
      return out
    },
  }
}

/** sigmoidGrad(y, dy) with its bias sums (over every axis but the last), one heap pass. */
const sigmoidGradBias: FusionPattern = (sg, graph) => {
  if (!isOp(sg, 'sigmoidGrad') || sg.dtype !== 'float32' || sg.shape.length === 0 || !sameShape(sg.inputs[0]!.shape, sg.inputs[1]!.shape)) return undefined
  const { sums, others } = biasSumsOf(sg, graph)
  const keep = graph.isOutput(sg) || others.length > 0
  return {
    pattern: 'sigmoidGradWithBias',
    inputs: [sg.inputs[0]!, sg.inputs[1]!],
    outputs: [...(keep ? [sg] : []), ...sums],
    dead: keep ? [] : [sg],
    run: ([y, dy], ctx) => {
      const { dz, db } = sigmoidGradWithBias(y!, dy!)
      const out = [...(keep ? [dz] : []), ...sums.map((s) => asSum(db, s, ctx))]
      tf.dispose([db, ...(keep ? [] : [dz])])
      return out
    },
  }
}

/**
 * sigmoid and sigmoidGrad.
 * @example mk('sigmoid', [x], {}) // 1 / (1 + e^-x)
 */
export const sigmoidOps = {
  sigmoid: {
    ...unaryOp('sigmoid', {
      run: (x) => tf.sigmoid(x),
      grad: (y, dy) => [mk('sigmoidGrad', [y, dy], {})],
      fold: foldUnary((v) => 1 / (1 + Math.exp(-v))),
      simplify: noSimplify,
      onnx: onnxOp('Sigmoid'),
    }),
    fusion: { role: 'activation', activation: 'sigmoid' },
  },
  sigmoidGrad: { ...activationGradOp('sigmoidGrad', (y, dy) => tf.mul(dy, tf.mul(y, tf.sub(1, y)))), patterns: { wasm: [pooledSigmoidGrad, sigmoidGradBias] } },
} satisfies OpFamily<'sigmoid' | 'sigmoidGrad'>
