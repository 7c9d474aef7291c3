/**
 * Export rules of conv2d, the pools and the fused conv. ONNX's image ops are NCHW with OIHW filters, as
 * our API; an NHWC op (what the layout pass makes for tfjs) is wrapped in Transposes, its HWIO filter
 * transposed to OIHW (a constant subgraph ONNX runtimes fold).
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Activation, ConvAttrs, Layout, Pad4, PoolAttrs } from '../../../dsl/ops.js'
import { type AttrValue, type GraphBuilder, attr } from '../builder.js'
import { type OnnxRule, activate } from './common.js'

/** Ours are [top, bottom, left, right]; ONNX's are [top, left, bottom, right] (all begins, then all ends). */
const pads = (p: Pad4): AttrValue => attr.ints([p[0], p[2], p[1], p[3]])

const toNchw = (b: GraphBuilder, x: string, layout: Layout): string =>
  layout === 'NCHW' ? x : b.op('Transpose', [x], { perm: attr.ints([0, 3, 1, 2]) })
const fromNchw = (b: GraphBuilder, y: string, layout: Layout): string =>
  layout === 'NCHW' ? y : b.op('Transpose', [y], { perm: attr.ints([0, 2, 3, 1]) })
const toOihw = (b: GraphBuilder, f: string, layout: Layout): string =>
  layout === 'NCHW' ? f : b.op('Transpose', [f], { perm: attr.ints([3, 2, 0, 1]) })

/** Conv with an optional bias [O] (Conv's own B input: the fused conv's bias is [C] by its shape rule). */
const conv = (b: GraphBuilder, [x, f, bias]: readonly string[], a: ConvAttrs, act: Activation): string => {
  const y = b.op('Conv', [toNchw(b, x!, a.layout), toOihw(b, f!, a.layout), ...(bias === undefined ? [] : [bias])], {
    strides: attr.ints(a.strides),
    pads: pads(a.pad),
    dilations: attr.ints(a.dilations),
  })
  return fromNchw(b, activate(b, y, act), a.layout)
}

const pool = (b: GraphBuilder, opType: 'AveragePool' | 'MaxPool', x: string, a: PoolAttrs): string =>
  fromNchw(
    b,
    b.op(opType, [toNchw(b, x, a.layout)], {
      kernel_shape: attr.ints(a.kernel),
      strides: attr.ints(a.strides),
      pads: pads(a.pad),
      // our average leaves the padding out of the count (PyTorch's count_include_pad=False); ONNX's default
      // is the same, spelled out for readers
      ...(opType === 'AveragePool' ? { count_include_pad: attr.int(0) } : {}),
    }),
    a.layout,
  )

/** The image ops. */
export const imageRules = {
  conv2d: (ins, a, cx) => E.right(conv(cx.b, ins, a, 'linear')),
  fusedConv2d: (ins, a, cx) => E.right(conv(cx.b, ins, a, a.activation)),
  avgPool2d: (ins, a, cx) => E.right(pool(cx.b, 'AveragePool', ins[0]!, a)),
  maxPool2d: (ins, a, cx) => E.right(pool(cx.b, 'MaxPool', ins[0]!, a)),
} satisfies { [O in 'conv2d' | 'fusedConv2d' | 'avgPool2d' | 'maxPool2d']: OnnxRule<O> }
