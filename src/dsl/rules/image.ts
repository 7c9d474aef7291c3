/** Shape rules of conv2d, pooling, their gradients and the fused conv. */
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { ConvAttrs, Layout, PoolAttrs } from '../ops.js'
import { type Dim, type RShape, showShape } from '../shape.js'
import { type RuleResult, needRank, ok, shapeError, windowOut } from './common.js'

/** Splits an image shape into [n, c, h, w] whatever the layout. */
export const nchw = (s: RShape, layout: Layout): readonly [Dim, Dim, Dim, Dim] =>
  layout === 'NCHW' ? [s[0]!, s[1]!, s[2]!, s[3]!] : [s[0]!, s[3]!, s[1]!, s[2]!]
/** Builds an image shape of the layout from n, c, h, w. */
export const fromNchw = (n: Dim, c: Dim, h: Dim, w: Dim, layout: Layout): RShape =>
  layout === 'NCHW' ? [n, c, h, w] : [n, h, w, c]
/** Splits a filter shape into [out, in, kh, kw] (OIHW for NCHW, HWIO for NHWC). */
export const oihw = (f: RShape, layout: Layout): readonly [Dim, Dim, Dim, Dim] =>
  layout === 'NCHW' ? [f[0]!, f[1]!, f[2]!, f[3]!] : [f[3]!, f[2]!, f[0]!, f[1]!]

/** conv2d(x, filter): the output shape, checking ranks, channels and kernel fit. */
export const conv2dShape = (x: RShape, f: RShape, a: ConvAttrs): RuleResult =>
  pipe(
    needRank('conv2d', x, 4, a.layout === 'NCHW' ? '[N, C, H, W]' : '[N, H, W, C]'),
    E.chain(() => needRank('conv2d', f, 4, 'filter')),
    E.chain(() => {
      const [n, c, h, w] = nchw(x, a.layout)
      const [o, i, kh, kw] = oihw(f, a.layout)
      if (typeof i === 'number' && typeof c === 'number' && i !== c)
        return shapeError('conv2d', `conv2d expects ${i} input channels but got ${c}`, x, f)
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

/** avgPool2d / maxPool2d(x): the output shape. */
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

/** A gradient op returns the shape of the forward operand it differentiates; checks the gradient's shape. */
export const gradShape = (op: string, target: RShape, dy: RShape, expectedDy: RuleResult): RuleResult =>
  pipe(
    expectedDy,
    E.chain((fwd) =>
      fwd.shape.length === dy.length && fwd.shape.every((d, k) => d === dy[k] || typeof d !== 'number' || typeof dy[k] !== 'number')
        ? ok(target)
        : shapeError(op, `${op} expects an output gradient of shape ${showShape(fwd.shape)} but got ${showShape(dy)}`, dy),
    ),
  )
