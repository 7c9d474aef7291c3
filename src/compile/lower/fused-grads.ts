/**
 * wasm's multi-node lowering patterns for the backward pass: the fused one-pass kernels of
 * src/ops/kernels (SIMD over the wasm heap) replace chains of 3-6 single-threaded tfjs-wasm ops.
 *
 *  - pooledSigmoidGrad: sigmoidGrad(y, avgPool2dGrad(dp)) with non-overlapping unpadded k x k windows
 *    (the pool grad used by nothing else), plus the bias sums of that sigmoidGrad over N,H,W;
 *  - sigmoidGradWithBias: sigmoidGrad(y, dy) plus its bias sums over every axis but the last (dense layers);
 *  - softmaxCrossEntropy: the loss and softmaxCrossEntropyGrad on the same logits and labels, one pass
 *    (the grad's seed g multiplies dLogits unless it is the constant 1).
 *
 * Each pattern only matches graphs after the layout pass (NHWC, channels last), float32.
 */
import * as tf from '@tensorflow/tfjs-core'
import type { Node } from '../../dsl/node.js'
import type { OpAttrs } from '../../dsl/ops.js'
import { isKnown, sameShape } from '../../dsl/shape.js'
import { pooledSigmoidGradWithBias, sigmoidGradWithBias, softmaxCrossEntropy } from '../../ops/kernels/index.js'
import type { LowerContext } from '../../ops/shared/lower.js'
import { axesOf, unpadded } from '../../ops/shared/tensors.js'
import type { FusedCall, FusionPattern, GraphView } from './fusion.js'

const is = <O extends keyof OpAttrs>(n: Node, op: O): n is Node<O> => n.op === op

/** `sum` over exactly the axes before the last of `of` (the bias gradient of a channels-last value). */
const isBiasSum = (u: Node, of: Node): u is Node<'sum'> =>
  is(u, 'sum') &&
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
  if (!is(sg, 'sigmoidGrad') || sg.dtype !== 'float32') return undefined
  const [y, pg] = sg.inputs as [Node, Node]
  if (!is(pg, 'avgPool2dGrad') || graph.isOutput(pg) || graph.claimed(pg) || graph.users(pg).length !== 1 || !sameShape(y.shape, pg.shape)) return undefined
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
  if (!is(sg, 'sigmoidGrad') || sg.dtype !== 'float32' || sg.shape.length === 0 || !sameShape(sg.inputs[0]!.shape, sg.inputs[1]!.shape)) return undefined
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
 * How a softmaxCrossEntropyGrad's seed g scales dLogits: a constant (a fill: no input to wait for; 1
 * means nothing to do) or a value the call must read.
 */
const seedOf = (grad: Node): number | Node => {
  const g = grad.inputs[2]!
  return is(g, 'fill') ? g.attrs.value : g
}

/** softmaxCrossEntropy and/or softmaxCrossEntropyGrad on the same logits and labels, one pass. */
const softmaxCE: FusionPattern = (anchor, graph) => {
  if (!(is(anchor, 'softmaxCrossEntropy') || is(anchor, 'softmaxCrossEntropyGrad'))) return undefined
  const [logits, labels] = anchor.inputs as [Node, Node]
  if (logits.dtype !== 'float32' || logits.shape.length !== 2) return undefined
  // anchors come in topo order, so an unclaimed partner comes after the anchor
  const partner = graph
    .users(logits)
    .find((u) => u.op !== anchor.op && (is(u, 'softmaxCrossEntropy') || is(u, 'softmaxCrossEntropyGrad')) && u.inputs[1] === labels && !graph.claimed(u))
  const loss = [anchor, partner].find((n) => n?.op === 'softmaxCrossEntropy')
  let grad = [anchor, partner].find((n) => n?.op === 'softmaxCrossEntropyGrad')
  // a computed seed must be ready when the call runs; otherwise the grad keeps its own lowering
  const seed = grad && seedOf(grad)
  if (grad !== anchor && typeof seed === 'object' && graph.position(seed) >= graph.position(anchor)) grad = undefined
  const read = grad && typeof seed === 'object' ? [seed] : []
  return {
    pattern: 'softmaxCrossEntropy',
    inputs: [logits, labels, ...read],
    outputs: [...(loss ? [loss] : []), ...(grad ? [grad] : [])],
    dead: [],
    run: ([z, l, g]) => {
      const r = softmaxCrossEntropy(z as tf.Tensor2D, l as tf.Tensor1D)
      if (!grad) {
        r.dLogits.dispose()
        return [r.loss]
      }
      if (!loss) r.loss.dispose()
      if (g === undefined && seed === 1) return [...(loss ? [r.loss] : []), r.dLogits]
      const dLogits = tf.mul(r.dLogits, g ?? (seed as number))
      r.dLogits.dispose()
      return [...(loss ? [r.loss] : []), dLogits]
    },
  } satisfies FusedCall
}

/** The multi-node patterns of `backend` (first match wins): the wasm heap kernels, none elsewhere. */
export const gradPatterns = (backend: string): readonly FusionPattern[] => (backend === 'wasm' ? [pooledSigmoidGrad, sigmoidGradBias, softmaxCE] : [])
