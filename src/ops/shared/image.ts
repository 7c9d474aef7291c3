/**
 * Image layouts in shape rules and ONNX rules: splitting image and filter shapes whatever the layout,
 * and the Transposes that bring an NHWC op (what the layout pass makes for tfjs) to ONNX's NCHW/OIHW.
 */
import type { Dim, RShape } from '../../ir/shape.js'
import type { Layout, Pad4 } from './attrs.js'
import { type AttrValue, type OnnxEmitter, attr } from './onnx.js'

/** Splits an image shape into [n, c, h, w] whatever the layout. @example nchw(['N', 28, 28, 1], 'NHWC') // ['N', 1, 28, 28] */
export const nchw = (s: RShape, layout: Layout): readonly [Dim, Dim, Dim, Dim] =>
  layout === 'NCHW' ? [s[0]!, s[1]!, s[2]!, s[3]!] : [s[0]!, s[3]!, s[1]!, s[2]!]
/** Builds an image shape of the layout from n, c, h, w. @example fromNchw('N', 6, 28, 28, 'NHWC') // ['N', 28, 28, 6] */
export const fromNchw = (n: Dim, c: Dim, h: Dim, w: Dim, layout: Layout): RShape => (layout === 'NCHW' ? [n, c, h, w] : [n, h, w, c])
/** Splits a filter shape into [out, in, kh, kw] (OIHW for NCHW, HWIO for NHWC). @example oihw([5, 5, 1, 6], 'NHWC') // [6, 1, 5, 5] */
export const oihw = (f: RShape, layout: Layout): readonly [Dim, Dim, Dim, Dim] =>
  layout === 'NCHW' ? [f[0]!, f[1]!, f[2]!, f[3]!] : [f[3]!, f[2]!, f[0]!, f[1]!]

/** Ours are [top, bottom, left, right]; ONNX's are [top, left, bottom, right] (all begins, then all ends). @example onnxPads([1, 2, 3, 4]) // ints [1, 3, 2, 4] */
export const onnxPads = (p: Pad4): AttrValue => attr.ints([p[0], p[2], p[1], p[3]])

/** `x` as NCHW for an ONNX image op. @example onnxToNchw(b, x, 'NHWC') */
export const onnxToNchw = (b: OnnxEmitter, x: string, layout: Layout): string =>
  layout === 'NCHW' ? x : b.op('Transpose', [x], { perm: attr.ints([0, 3, 1, 2]) })
/** An ONNX image op's NCHW result back in `layout`. @example onnxFromNchw(b, y, 'NHWC') */
export const onnxFromNchw = (b: OnnxEmitter, y: string, layout: Layout): string =>
  layout === 'NCHW' ? y : b.op('Transpose', [y], { perm: attr.ints([0, 2, 3, 1]) })
/** A filter as OIHW for ONNX's Conv (a constant subgraph ONNX runtimes fold). @example onnxToOihw(b, w, 'NHWC') */
export const onnxToOihw = (b: OnnxEmitter, f: string, layout: Layout): string =>
  layout === 'NCHW' ? f : b.op('Transpose', [f], { perm: attr.ints([3, 2, 0, 1]) })
