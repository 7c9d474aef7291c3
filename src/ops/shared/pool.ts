/**
 * What the pooling ops (avgPool2d.ts, maxPool2d.ts) share: their output shape, the NHWC layout of
 * them and their gradients, the windows' element counts as a kept constant, and ONNX's pool ops.
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { mk } from '../../ir/node.js'
import type { Op } from '../../ir/ops.js'
import type { RShape } from '../../ir/shape.js'
import type { PoolAttrs } from './attrs.js'
import { fromNchw, nchw, onnxFromNchw, onnxPads, onnxToNchw } from './image.js'
import { type LayoutRule, imageLayout, nhwc } from './layout.js'
import { poolTiles } from '../kernels/pool-tiles.js'
import type { LowerContext, Lowering } from './lower.js'
import { type OnnxEmitter, attr } from './onnx.js'
import { type RuleResult, needRank, ok, windowOut } from './shape-rules.js'
import { windowCountData, windowOf } from './windows.js'
import { fromNhwc, toNhwc, unpadded } from './tensors.js'

/** avgPool2d / maxPool2d(x): the output shape. @example poolShape('maxPool2d', ['N', 6, 28, 28], attrs) // Right(['N', 6, 14, 14]) */
export const poolShape = (op: 'avgPool2d' | 'maxPool2d', x: RShape, a: PoolAttrs): RuleResult =>
  pipe(
    needRank(op, x, 4, a.layout === 'NCHW' ? '[N, C, H, W]' : '[N, H, W, C]'),
    E.chain(() => {
      const [n, c, h, w] = nchw(x, a.layout)
      return pipe(
        windowOut(op, 'window', h, a.kernel[0], a.strides[0], a.pad[0] + a.pad[1], 1),
        E.chain((oh) =>
          pipe(
            windowOut(op, 'window', w, a.kernel[1], a.strides[1], a.pad[2] + a.pad[3], 1),
            E.chain((ow) => ok(fromNchw(n, c, oh, ow, a.layout))),
          ),
        ),
      )
    }),
  )

/** A pool (or its gradient) whose image inputs all go NHWC. @example layout: poolLayout */
export const poolLayout: LayoutRule<Op> = imageLayout((n, ins, attrs) => mk(n.op, ins.map(nhwc), attrs as never))

/** The window of pool attrs `a` over an NHWC shape. @example poolWindow([2, 28, 28, 6], a).oh // 14 */
export const poolWindow = (xShape: readonly number[], a: PoolAttrs) => windowOf(xShape, a.kernel, a.strides, [1, 1], a.pad)

/**
 * How many non-padding input elements each window covers, [1, OH, OW, 1] (at least 1), as a kept
 * constant of the compiled program: average pooling divides by it (PyTorch's count_include_pad=False).
 *
 * @example tf.div(sums, windowCounts(x.shape, a, ctx))
 */
export const windowCounts = (xShape: readonly number[], a: PoolAttrs, ctx: LowerContext): tf.Tensor4D => {
  const g = poolWindow(xShape, a)
  return ctx.constant(`windowCounts:${xShape.join(',')}:${a.kernel}:${a.strides}:${a.pad}`, () => tf.tensor4d(windowCountData(g), [1, g.oh, g.ow, 1])) as tf.Tensor4D
}

/** The kernel size as tfjs takes it. @example kernelOf(a) // [2, 2] */
export const kernelOf = (a: PoolAttrs): [number, number] => [a.kernel[0], a.kernel[1]]
/** The strides as tfjs takes them. @example stridesOf(a) // [2, 2] */
export const stridesOf = (a: PoolAttrs): [number, number] => [a.strides[0], a.strides[1]]

/** ONNX's AveragePool / MaxPool of `x` in `a`'s layout. @example onnxPool(b, 'MaxPool', x, a) */
export const onnxPool = (b: OnnxEmitter, opType: 'AveragePool' | 'MaxPool', x: string, a: PoolAttrs): string =>
  onnxFromNchw(
    b,
    b.op(opType, [onnxToNchw(b, x, a.layout)], {
      kernel_shape: attr.ints(a.kernel),
      strides: attr.ints(a.strides),
      pads: onnxPads(a.pad),
      // our average leaves the padding out of the count (PyTorch's count_include_pad=False); ONNX's default
      // is the same, spelled out for readers
      ...(opType === 'AveragePool' ? { count_include_pad: attr.int(0) } : {}),
    }),
    a.layout,
  )

/**
 * A pooling lowering that runs side-by-side windows (stride = window, no padding) as the SIMD pooling
 * kernel where it applies (wasm, float32), and `fallback` otherwise.
 * @example lower: { default: avgPool, wasm: tiledWhereItApplies(false, avgPool) }
 */
export const tiledWhereItApplies =
  <O extends 'avgPool2d' | 'maxPool2d'>(max: boolean, fallback: Lowering<O>): Lowering<O> =>
  (ins, a, ctx) => {
    const pa = a as PoolAttrs
    const tiled = unpadded(pa.pad) && pa.strides[0] === pa.kernel[0] && pa.strides[1] === pa.kernel[1]
    const y = tiled ? poolTiles(toNhwc(ins[0]!, pa.layout), kernelOf(pa), max) : undefined
    return y ? fromNhwc(y, pa.layout) : fallback(ins, a, ctx)
  }
