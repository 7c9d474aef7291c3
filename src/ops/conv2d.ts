/**
 * conv2d (x [N,C,H,W] with filter [O,C,KH,KW] -> [N,O,H',W'], or NHWC with an HWIO filter) and
 * fusedConv2d, which the fusion pass makes of an NHWC conv + bias + activation. Everything runs in
 * NHWC/HWIO, tfjs's layout; after the layout pass the NCHW transposes are identities. The gradient
 * primitives are in conv2dGrads.ts.
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { type Node, isOp, mk } from '../ir/node.js'
import { type RShape, showShape } from '../ir/shape.js'
import { conv2dOneChannel, conv2dOneChannelPooled, conv2dTiled, conv2dTiledPooled, interleaveZeros } from './kernels/index.js'
import { activate, activationGrad, onnxActivate } from './shared/activation.js'
import type { Activation, ConvAttrs } from './shared/attrs.js'
import { sum } from './shared/grad.js'
import { fromNchw, nchw, oihw, onnxFromNchw, onnxPads, onnxToNchw, onnxToOihw } from './shared/image.js'
import type { OpFamily } from './shared/impl.js'
import { hwio, imageLayout, nhwc } from './shared/layout.js'
import { original } from './shared/layout-forms.js'
import { type Lowering, fusedKernelActivations, fusingBackends, onBackends } from './shared/lower.js'
import { type OnnxEmitter, attr } from './shared/onnx.js'
import type { FusionPattern } from './shared/patterns.js'
import { asWritten, noFold, noSimplify } from './shared/rewrites.js'
import { type RuleResult, arity, needRank, ok, shapeError, windowOut } from './shared/shape-rules.js'
import { fromNhwc, padSpatial, tfPad, toHwio, toNhwc } from './shared/tensors.js'
import { offsets, patch, sumAll, tapOf, windowOf } from './shared/windows.js'

declare module '../ir/ops.js' {
  interface OpAttrs {
    conv2d: ConvAttrs
    /** activation(conv2d(x, filter) + bias): inputs (x, filter, bias?). */
    fusedConv2d: ConvAttrs & { readonly activation: Activation }
  }
}

/** conv2d(x, filter): the output shape, checking ranks, channels and kernel fit. @example conv2dShape(['N', 1, 28, 28], [6, 1, 5, 5], attrs) */
export const conv2dShape = (x: RShape, f: RShape, a: ConvAttrs): RuleResult =>
  pipe(
    needRank('conv2d', x, 4, a.layout === 'NCHW' ? '[N, C, H, W]' : '[N, H, W, C]'),
    E.chain(() => needRank('conv2d', f, 4, 'filter')),
    E.chain(() => {
      const [n, c, h, w] = nchw(x, a.layout)
      const [o, i, kh, kw] = oihw(f, a.layout)
      if (typeof i === 'number' && typeof c === 'number' && i !== c) return shapeError('conv2d', `conv2d expects ${i} input channels but got ${c}`, x, f)
      return pipe(
        windowOut('conv2d', 'kernel', h, Number(kh), a.strides[0], a.pad[0] + a.pad[1], a.dilations[0]),
        E.chain((oh) =>
          pipe(
            windowOut('conv2d', 'kernel', w, Number(kw), a.strides[1], a.pad[2] + a.pad[3], a.dilations[1]),
            E.chain((ow) => ok(fromNchw(n, o, oh, ow, a.layout))),
          ),
        ),
      )
    }),
  )

/** Only the conv attrs (a fused conv's attrs carry its activation too). @example convAttrs(fused.attrs) */
export const convAttrs = (a: ConvAttrs): ConvAttrs => ({ strides: a.strides, pad: a.pad, dilations: a.dilations, layout: a.layout })

/** dx and dfilter of conv2d(x, filter) with output gradient `dy`, as the gradient primitives. */
const convGrads = (x: Node, f: Node, dy: Node, a: ConvAttrs, need: readonly boolean[]): (Node | undefined)[] => [
  need[0] ? mk('conv2dInputGrad', [dy, f], { ...convAttrs(a), inputShape: x.shape }) : undefined,
  need[1] ? mk('conv2dFilterGrad', [x, dy], { ...convAttrs(a), filterShape: f.shape }) : undefined,
]

const oneStride = (a: ConvAttrs): boolean => a.strides[0] === 1 && a.strides[1] === 1
const oneDilation = (a: ConvAttrs): boolean => a.dilations[0] === 1 && a.dilations[1] === 1

/** The reference conv in NHWC/HWIO; tfjs refuses strides and dilations both > 1, so that case sums the taps. */
const referenceConv = (x: tf.Tensor4D, f: tf.Tensor4D, a: ConvAttrs): tf.Tensor4D => {
  if (oneStride(a) || oneDilation(a))
    return tf.conv2d(x, f, [a.strides[0], a.strides[1]], [[0, 0], [a.pad[0], a.pad[1]], [a.pad[2], a.pad[3]], [0, 0]], 'NHWC', [a.dilations[0], a.dilations[1]])
  const g = windowOf(x.shape, [f.shape[0], f.shape[1]], a.strides, a.dilations, a.pad)
  const xp = padSpatial(x, a.pad)
  const taps = offsets(g).map(([i, j]) =>
    tf.reshape(tf.matMul(tf.reshape(patch(xp, g, i, j), [-1, g.c]), tapOf(f, i, j)), [g.n, g.oh, g.ow, f.shape[3]]) as tf.Tensor4D,
  )
  return sumAll(taps)
}

/**
 * The lowered conv in NHWC/HWIO, with a bias and activation fused where the backend runs `fuses`. A
 * dilated filter with strides > 1 (which tfjs refuses) becomes an undilated, larger, sparser filter.
 */
const conv = (x: tf.Tensor4D, f: tf.Tensor4D, a: ConvAttrs, fuses: readonly Activation[], bias?: tf.Tensor, activation: Activation = 'linear'): tf.Tensor4D => {
  let [filter, dilations]: [tf.Tensor4D, [number, number]] = [f, [a.dilations[0], a.dilations[1]]]
  if (!oneStride(a) && !oneDilation(a)) {
    const [kh, kw, i, o] = f.shape
    const spread = interleaveZeros(tf.reshape(f, [1, kh, kw, i * o]), a.dilations)
    ;[filter, dilations] = [tf.reshape(spread, [spread.shape[1], spread.shape[2], i, o]), [1, 1]]
  }
  const strides: [number, number] = [a.strides[0], a.strides[1]]
  const pad = tfPad(a.pad)
  if (bias === undefined && activation === 'linear') return tf.conv2d(x, filter, strides, pad, 'NHWC', dilations)
  if (fuses.includes(activation) && (bias === undefined || bias.rank === 1))
    return tf.fused.conv2d({ x, filter, strides, pad, dataFormat: 'NHWC', dilations, activation: activation as Exclude<Activation, 'tanh'>, ...(bias ? { bias } : {}) })
  const y = tf.conv2d(x, filter, strides, pad, 'NHWC', dilations)
  return activate(bias ? tf.add(y, bias) : y, activation) as tf.Tensor4D
}

const fusedConvOn =
  (fuses: readonly Activation[]): Lowering<'fusedConv2d'> =>
  ([x, f, bias], a) =>
    fromNhwc(conv(toNhwc(x!, a.layout), toHwio(f!, a.layout), a, fuses, bias, a.activation), a.layout)

const plainConv: Lowering<'conv2d'> = ([x, f], a) => fromNhwc(conv(toNhwc(x!, a.layout), toHwio(f!, a.layout), a, []), a.layout)

/**
 * wasm: the SIMD convs with bias and activation in registers (a one-channel input as positions in lanes,
 * any other as 4 x 8 register tiles); undefined where they do not apply.
 */
const simdConv = (x: tf.Tensor, f: tf.Tensor, bias: tf.Tensor | undefined, a: ConvAttrs, activation: Activation): tf.Tensor | undefined => {
  const args = [toNhwc(x, a.layout), toHwio(f, a.layout), [a.strides[0], a.strides[1]], tfPad(a.pad), [a.dilations[0], a.dilations[1]], bias, activation] as const
  const y = conv2dOneChannel(...args) ?? conv2dTiled(...args)
  return y && fromNhwc(y, a.layout)
}

const plainConvWasm: Lowering<'conv2d'> = (ins, a, ctx) => simdConv(ins[0]!, ins[1]!, undefined, a, 'linear') ?? plainConv(ins, a, ctx)
const fusedConvWasm: Lowering<'fusedConv2d'> = (ins, a, ctx) => simdConv(ins[0]!, ins[1]!, ins[2], a, a.activation) ?? fusedConvOn(fusedKernelActivations)(ins, a, ctx)

const isPool2x2 = (n: Node): n is Node<'avgPool2d'> =>
  isOp(n, 'avgPool2d') && n.attrs.layout === 'NHWC' && n.attrs.kernel.every((k) => k === 2) && n.attrs.strides.every((s) => s === 2) && n.attrs.pad.every((p) => p === 0)

/**
 * wasm: an NHWC conv (activation linear, relu or sigmoid, even output height and width) whose output a
 * 2 x 2, stride 2, unpadded average pool reads: one kernel pass computes both, pooling outputs while they
 * are in L1 (a one-channel conv pools each block of output rows, the conv tiles each tile of one pooling
 * window) instead of reading the whole output back. The conv's output is still produced when something
 * else reads it (the backward pass does).
 */
const convThenPool: FusionPattern = (conv, graph) => {
  if (!(isOp(conv, 'conv2d') || isOp(conv, 'fusedConv2d')) || conv.attrs.layout !== 'NHWC' || conv.dtype !== 'float32') return undefined
  const activation: Activation = isOp(conv, 'fusedConv2d') ? conv.attrs.activation : 'linear'
  const [, oh, ow] = conv.shape
  if (!['linear', 'relu', 'sigmoid'].includes(activation) || typeof oh !== 'number' || typeof ow !== 'number' || oh % 2 !== 0 || ow % 2 !== 0) return undefined
  const pools = graph.users(conv).filter((u) => isPool2x2(u) && !graph.claimed(u))
  if (pools.length !== 1) return undefined
  const pool = pools[0]!
  const keep = graph.isOutput(conv) || graph.users(conv).length > 1
  const a = conv.attrs
  return {
    pattern: 'convThenPool',
    inputs: conv.inputs,
    outputs: keep ? [conv, pool] : [pool],
    dead: keep ? [] : [conv],
    run: (xs, ctx) => {
      const both = (): tf.Tensor[] => {
        const args = [xs[0] as tf.Tensor4D, xs[1] as tf.Tensor4D, [a.strides[0], a.strides[1]], tfPad(a.pad), [a.dilations[0], a.dilations[1]], xs[2], activation] as const
        const fused = conv2dOneChannelPooled(...args) ?? conv2dTiledPooled(...args)
        if (fused) return fused
        // where the kernel declines at run time: the conv's own lowering, then tfjs's pool
        const y = isOp(conv, 'fusedConv2d') ? fusedConvWasm(xs, conv.attrs, ctx) : plainConvWasm(xs, conv.attrs as ConvAttrs, ctx)
        return [y, tf.avgPool(y as tf.Tensor4D, 2, 2, 'valid')]
      }
      const [y, pooled] = both()
      if (keep) return [y!, pooled!]
      y!.dispose()
      return [pooled!]
    },
  }
}

/** ONNX's Conv with an optional bias [O] (Conv's own B input: the fused conv's bias is [C] by its shape rule). */
const onnxConv = (b: OnnxEmitter, [x, f, bias]: readonly string[], a: ConvAttrs, act: Activation): string => {
  const y = b.op('Conv', [onnxToNchw(b, x!, a.layout), onnxToOihw(b, f!, a.layout), ...(bias === undefined ? [] : [bias])], {
    strides: attr.ints(a.strides),
    pads: onnxPads(a.pad),
    dilations: attr.ints(a.dilations),
  })
  return onnxFromNchw(b, onnxActivate(b, y, act), a.layout)
}

/** Both convs go NHWC with an HWIO filter (and their bias as is). */
const convLayout = imageLayout<'conv2d' | 'fusedConv2d'>((n, ins, attrs) => mk(n.op, [nhwc(ins[0]!), hwio(ins[1]!), ...ins.slice(2).map(original)], attrs as never))

/**
 * conv2d and fusedConv2d.
 * @example mk('conv2d', [x, w], { strides: [1, 1], pad: [2, 2, 2, 2], dilations: [1, 1], layout: 'NCHW' })
 */
export const conv2dOps = {
  conv2d: {
    shape: (i, a) => pipe(arity('conv2d', i, 2), E.chain(([x, f]) => conv2dShape(x!.shape, f!.shape, a))),
    grad: (y, dy, need) => convGrads(y.inputs[0]!, y.inputs[1]!, dy, y.attrs, need),
    eval: ([x, f], a) => fromNhwc(referenceConv(toNhwc(x!, a.layout), toHwio(f!, a.layout), a), a.layout),
    lower: { default: plainConv, wasm: plainConvWasm },
    layout: convLayout,
    fold: noFold,
    simplify: noSimplify,
    canonical: asWritten,
    onnx: (ins, a, cx) => E.right(onnxConv(cx.b, ins, a, 'linear')),
    // tfjs's fused conv2d runs NHWC only (the layout pass comes first)
    fusion: { role: 'core', fuse: (core, bias, activation) => (core.attrs.layout === 'NHWC' ? mk('fusedConv2d', [core.inputs[0]!, core.inputs[1]!, ...(bias ? [bias] : [])], { ...core.attrs, activation }) : undefined) },
    patterns: { wasm: [convThenPool] },
  },
  fusedConv2d: {
    shape: (i, a) =>
      pipe(
        arity('fusedConv2d', i, [2, 3]),
        E.chain(([x, f, bias]) =>
          pipe(
            conv2dShape(x!.shape, f!.shape, a),
            E.chain((r) => {
              const c = nchw(r.shape, a.layout)[1]
              return bias && (bias.shape.length !== 1 || bias.shape[0] !== c)
                ? shapeError('fusedConv2d', `fusedConv2d expects a bias of shape [${c}] but got ${showShape(bias.shape)}`)
                : ok(r.shape)
            }),
          ),
        ),
      ),
    grad: (y, dy, need) => {
      const [x, f, bias] = y.inputs
      const dz = activationGrad(y.attrs.activation, y, dy)
      // the bias [C] is added along the channel axis: sum over N, H, W
      const dBias = bias && need[2] ? [sum(dz, y.attrs.layout === 'NCHW' ? [0, 2, 3] : [0, 1, 2], false)] : []
      return [...convGrads(x!, f!, dz, y.attrs, need), ...dBias]
    },
    eval: ([x, f, bias], a) => {
      const y = referenceConv(toNhwc(x!, a.layout), toHwio(f!, a.layout), a)
      return fromNhwc(activate(bias ? tf.add(y, bias) : y, a.activation) as tf.Tensor4D, a.layout)
    },
    lower: {
      default: fusedConvOn(['linear']),
      ...onBackends(fusingBackends, fusedConvOn(fusedKernelActivations)),
      wasm: fusedConvWasm,
    },
    layout: convLayout,
    fold: noFold,
    simplify: noSimplify,
    canonical: asWritten,
    onnx: (ins, a, cx) => E.right(onnxConv(cx.b, ins, a, a.activation)),
    patterns: { wasm: [convThenPool] },
    fusion: {
      role: 'fused',
      activation: (n) => n.attrs.activation,
      withActivation: (n, activation) => mk('fusedConv2d', n.inputs, { ...n.attrs, activation }),
    },
  },
} satisfies OpFamily<'conv2d' | 'fusedConv2d'>
