/**
 * avgPool2d ([N,C,H,W] -> [N,C,H',W'], the average over each window's non-padding elements) and its
 * gradient primitive avgPool2dGrad (inputs (dy)). tfjs's forward avgPool agrees with ours; its
 * AvgPoolGrad divides by the full kernel area, so with padding dy is rescaled by area / count first.
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { mk } from '../ir/node.js'
import type { RShape } from '../ir/shape.js'
import { avgPool2dGrad } from './kernels/index.js'
import type { PoolAttrs } from './shared/attrs.js'
import { noGrad } from './shared/grad.js'
import type { OpFamily } from './shared/impl.js'
import { imageLayout, nhwc } from './shared/layout.js'
import { gradientPrimitive } from './shared/onnx.js'
import { permuteShape, toNhwcPerm } from './shared/perm.js'
import { kernelOf, onnxPool, poolLayout, poolShape, poolWindow, stridesOf, tiledWhereItApplies, windowCounts } from './shared/pool.js'
import type { Lowering } from './shared/lower.js'
import { asWritten, noFold, noSimplify } from './shared/rewrites.js'
import { arity, gradShape } from './shared/shape-rules.js'
import { fromNhwc, nhwcShape, padSpatial, tfPad, toNhwc, unpadded } from './shared/tensors.js'
import { offsets, scatter, sumAll, unpadSpatial, windowCountData } from './shared/windows.js'

declare module '../ir/ops.js' {
  interface OpAttrs {
    avgPool2d: PoolAttrs
    /** dL/dx of avgPool2d: inputs (dy). */
    avgPool2dGrad: PoolAttrs & { readonly inputShape: RShape }
  }
}

const plain = { fold: noFold, simplify: noSimplify, canonical: asWritten } as const

/** The reference's window counts: a fresh tensor (the lowering keeps its own as a constant). */
const countsOf = (g: ReturnType<typeof poolWindow>): tf.Tensor4D => tf.tensor4d(windowCountData(g), [1, g.oh, g.ow, 1])

/** tfjs's average pooling, with padding as window sums over the non-padding counts. */
const avgPool: Lowering<'avgPool2d'> = ([x0], a, ctx) => {
  const x = toNhwc(x0!, a.layout)
  if (unpadded(a.pad)) return fromNhwc(tf.avgPool(x, kernelOf(a), stridesOf(a), 'valid'), a.layout)
  const sums = tf.mul(tf.avgPool(padSpatial(x, a.pad, 0), kernelOf(a), stridesOf(a), 'valid'), a.kernel[0] * a.kernel[1])
  return fromNhwc(tf.div(sums, windowCounts(x.shape, a, ctx)), a.layout)
}

/**
 * avgPool2d and avgPool2dGrad.
 * @example mk('avgPool2d', [x], { kernel: [2, 2], strides: [2, 2], pad: [0, 0, 0, 0], layout: 'NCHW' })
 */
export const avgPool2dOps = {
  avgPool2d: {
    ...plain,
    shape: (i, a) => pipe(arity('avgPool2d', i, 1), E.chain(([x]) => poolShape('avgPool2d', x!.shape, a))),
    grad: (y, dy) => [mk('avgPool2dGrad', [dy], { ...y.attrs, inputShape: y.inputs[0]!.shape })],
    // window sums (the mean over the whole padded window times its area) divided by the non-padding counts
    eval: ([x0], a) => {
      const x = toNhwc(x0!, a.layout)
      const sums = tf.mul(tf.avgPool(padSpatial(x, a.pad), kernelOf(a), stridesOf(a), 'valid'), a.kernel[0] * a.kernel[1])
      return fromNhwc(tf.div(sums, countsOf(poolWindow(x.shape, a))), a.layout)
    },
    lower: { default: avgPool, wasm: tiledWhereItApplies(false, avgPool) },
    layout: poolLayout,
    onnx: (ins, a, cx) => E.right(onnxPool(cx.b, 'AveragePool', ins[0]!, a)),
  },
  avgPool2dGrad: {
    ...plain,
    shape: (i, a) => pipe(arity('avgPool2dGrad', i, 1), E.chain(([dy]) => gradShape('avgPool2dGrad', a.inputShape, dy!.shape, poolShape('avgPool2d', a.inputShape, a)))),
    grad: noGrad('second derivatives of convolutions and pooling are not supported'),
    // each window's share dy / count scattered back over the window
    eval: ([dy0], a, ctx) => {
      const g = poolWindow(nhwcShape(ctx.bind(a.inputShape), a.layout), a)
      const share = tf.div(toNhwc(dy0!, a.layout), countsOf(g)) as tf.Tensor4D
      return fromNhwc(unpadSpatial(sumAll(offsets(g).map(([i, j]) => scatter(share, g, i, j))), g), a.layout)
    },
    lower: ([dy0], a, ctx) => {
      const dy = toNhwc(dy0!, a.layout)
      const xShape = nhwcShape(ctx.bind(a.inputShape), a.layout)
      const scaled = unpadded(a.pad) ? dy : tf.div(tf.mul(dy, a.kernel[0] * a.kernel[1]), windowCounts(xShape, a, ctx))
      return fromNhwc(avgPool2dGrad(scaled as tf.Tensor4D, xShape, kernelOf(a), stridesOf(a), tfPad(a.pad)), a.layout)
    },
    layout: imageLayout((n, ins, attrs) => mk(n.op, ins.map(nhwc), { ...attrs, inputShape: permuteShape(n.attrs.inputShape, toNhwcPerm) })),
    onnx: gradientPrimitive,
  },
} satisfies OpFamily<'avgPool2d' | 'avgPool2dGrad'>
