/**
 * The gradient primitives of conv2d, which autodiff emits and each backend lowers to its own kernels:
 * conv2dFilterGrad (dL/dfilter, inputs (x, dy)) and conv2dInputGrad (dL/dx, inputs (dy, filter)).
 *
 * On wasm (no Conv2DBackpropFilter, a Conv2DBackpropInput 5-10x slower than XNNPACK's forward conv) and on
 * cpu (naive backprop loops, ~50x slower than its forward conv on LeNet) both run as one forward conv
 * (src/ops/kernels); so do dilated convs everywhere, which tfjs's backprop kernels lack. tfjs-node and
 * webgpu keep their native kernels. The reference sums the kernel taps instead, sharing no code with either.
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { mk } from '../ir/node.js'
import type { RShape } from '../ir/shape.js'
import { conv2dShape } from './conv2d.js'
import { conv2dFilterGrad, conv2dInputGrad } from './kernels/index.js'
import type { ConvAttrs } from './shared/attrs.js'
import { noGrad } from './shared/grad.js'
import type { OpFamily } from './shared/impl.js'
import { hwio, imageLayout, nhwc } from './shared/layout.js'
import type { Lowering } from './shared/lower.js'
import { gradientPrimitive } from './shared/onnx.js'
import { permuteShape, toHwioPerm, toNhwcPerm } from './shared/perm.js'
import { asWritten, noFold, noSimplify } from './shared/rewrites.js'
import { arity, gradShape } from './shared/shape-rules.js'
import { fromHwio, fromNhwc, hwioShape, nhwcShape, padSpatial, tfPad, toHwio, toNhwc } from './shared/tensors.js'
import { offsets, patch, scatter, sumAll, tapOf, unpadSpatial, windowOf } from './shared/windows.js'

declare module '../ir/ops.js' {
  interface OpAttrs {
    /** dL/dfilter of conv2d(x, filter): inputs (x, dy). */
    conv2dFilterGrad: ConvAttrs & { readonly filterShape: RShape }
    /** dL/dx of conv2d(x, filter): inputs (dy, filter). */
    conv2dInputGrad: ConvAttrs & { readonly inputShape: RShape }
  }
}

const oneDilation = (a: ConvAttrs): boolean => a.dilations[0] === 1 && a.dilations[1] === 1
const secondOrder = noGrad('second derivatives of convolutions and pooling are not supported')
const plain = { grad: secondOrder, fold: noFold, simplify: noSimplify, canonical: asWritten, onnx: gradientPrimitive } as const

type Shape4 = [number, number, number, number]

/** dL/dfilter in HWIO: one forward conv (`asForwardConv`), or tfjs's Conv2DBackpropFilter where it exists. */
const filterGradOn =
  (asForwardConv: boolean): Lowering<'conv2dFilterGrad'> =>
  ([x0, dy0], a, ctx) => {
    const [x, dy] = [toNhwc(x0!, a.layout), toNhwc(dy0!, a.layout)]
    const shape = hwioShape(ctx.bind(a.filterShape), a.layout)
    const dw =
      asForwardConv || !oneDilation(a)
        ? conv2dFilterGrad(x, dy, shape, [a.strides[0], a.strides[1]], tfPad(a.pad), [a.dilations[0], a.dilations[1]])
        : (tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { strides: [...a.strides], pad: tfPad(a.pad), dataFormat: 'NHWC', filterShape: shape }) as tf.Tensor4D)
    return fromHwio(dw, a.layout)
  }

/** dL/dx in NHWC: one forward conv (`asForwardConv`), or tfjs's Conv2DBackpropInput where it exists. */
const inputGradOn =
  (asForwardConv: boolean): Lowering<'conv2dInputGrad'> =>
  ([dy0, f0], a, ctx) => {
    const [dy, f] = [toNhwc(dy0!, a.layout), toHwio(f0!, a.layout)]
    const shape = nhwcShape(ctx.bind(a.inputShape), a.layout)
    const dx =
      asForwardConv || !oneDilation(a)
        ? conv2dInputGrad(dy, f, shape, [a.strides[0], a.strides[1]], tfPad(a.pad), [a.dilations[0], a.dilations[1]])
        : (tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter: f }, { strides: [...a.strides], pad: tfPad(a.pad), dataFormat: 'NHWC', inputShape: shape }) as tf.Tensor4D)
    return fromNhwc(dx, a.layout)
  }

/**
 * conv2dFilterGrad and conv2dInputGrad.
 * @example mk('conv2dFilterGrad', [x, dy], { ...convAttrs(a), filterShape: [6, 1, 5, 5] })
 */
export const conv2dGradOps = {
  conv2dFilterGrad: {
    ...plain,
    shape: (i, a) =>
      pipe(arity('conv2dFilterGrad', i, 2), E.chain(([x, dy]) => gradShape('conv2dFilterGrad', a.filterShape, dy!.shape, conv2dShape(x!.shape, a.filterShape, a)))),
    // sum over the taps of patch(x)^T dy
    eval: ([x0, dy0], a, ctx) => {
      const [x, dy] = [toNhwc(x0!, a.layout), toNhwc(dy0!, a.layout)]
      const shape = hwioShape(ctx.bind(a.filterShape), a.layout) as Shape4
      const g = windowOf(x.shape, [shape[0], shape[1]], a.strides, a.dilations, a.pad)
      const xp = padSpatial(x, a.pad)
      const dy2 = tf.reshape(dy, [-1, shape[3]])
      const taps = offsets(g).map(([i, j]) => tf.matMul(tf.reshape(patch(xp, g, i, j), [-1, g.c]), dy2, true, false))
      return fromHwio(tf.reshape(tf.stack(taps), shape) as tf.Tensor4D, a.layout)
    },
    lower: { default: filterGradOn(false), wasm: filterGradOn(true), cpu: filterGradOn(true) },
    layout: imageLayout((n, ins, attrs) => mk(n.op, [nhwc(ins[0]!), nhwc(ins[1]!)], { ...attrs, filterShape: permuteShape(n.attrs.filterShape, toHwioPerm) }), toHwioPerm),
  },
  conv2dInputGrad: {
    ...plain,
    shape: (i, a) =>
      pipe(arity('conv2dInputGrad', i, 2), E.chain(([dy, f]) => gradShape('conv2dInputGrad', a.inputShape, dy!.shape, conv2dShape(a.inputShape, f!.shape, a)))),
    // sum over the taps of dy f_tap^T scattered back into the padded input
    eval: ([dy0, f0], a, ctx) => {
      const [dy, f] = [toNhwc(dy0!, a.layout), toHwio(f0!, a.layout)]
      const g = windowOf(nhwcShape(ctx.bind(a.inputShape), a.layout), [f.shape[0], f.shape[1]], a.strides, a.dilations, a.pad)
      const dy2 = tf.reshape(dy, [-1, f.shape[3]])
      const parts = offsets(g).map(([i, j]) => scatter(tf.reshape(tf.matMul(dy2, tapOf(f, i, j), false, true), [g.n, g.oh, g.ow, g.c]) as tf.Tensor4D, g, i, j))
      return fromNhwc(unpadSpatial(sumAll(parts), g), a.layout)
    },
    lower: { default: inputGradOn(false), wasm: inputGradOn(true), cpu: inputGradOn(true) },
    layout: imageLayout((n, ins, attrs) => mk(n.op, [nhwc(ins[0]!), hwio(ins[1]!)], { ...attrs, inputShape: permuteShape(n.attrs.inputShape, toNhwcPerm) })),
  },
} satisfies OpFamily<'conv2dFilterGrad' | 'conv2dInputGrad'>
