/**
 * pad: x with `paddings[i] = [before, after]` elements of `value` added on each side of axis i
 * (jax.numpy.pad / torch.nn.functional.pad, constant mode). A symbolic axis takes no padding. The
 * gradient is dy's slice at x's box.
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { mk } from '../ir/node.js'
import { type RShape, showShape } from '../ir/shape.js'
import type { OpFamily } from './shared/impl.js'
import { inOriginalLayout } from './shared/layout.js'
import { fillLike, fillValue, keepAs } from './shared/rewrites.js'
import { type RuleResult, arity, ok, shapeError } from './shared/shape-rules.js'

declare module '../ir/ops.js' {
  interface OpAttrs {
    /** `paddings[i]` = [before, after] elements of `value` on axis i. */
    pad: { readonly paddings: readonly (readonly [number, number])[]; readonly value: number }
  }
}

const show = (ps: readonly (readonly [number, number])[]): string => `[${ps.map(([b, a]) => `[${b}, ${a}]`).join(', ')}]`

/**
 * The padded shape; the text is the type-level rule's (src/types/rules/pad.ts).
 * @example padShape(['N', 3], [[0, 0], [1, 2]]) // Right(['N', 6])
 */
export const padShape = (x: RShape, paddings: readonly (readonly [number, number])[]): RuleResult => {
  const bad = () => shapeError('pad', `pad paddings ${show(paddings)} do not fit ${showShape(x)}`, x)
  if (paddings.length !== x.length) return bad()
  const out: (number | string)[] = []
  for (let i = 0; i < x.length; i++) {
    const d = x[i]!
    const [b, a] = paddings[i]!
    if (!Number.isInteger(b) || !Number.isInteger(a) || b < 0 || a < 0) return bad()
    if (typeof d === 'string') {
      if (b !== 0 || a !== 0) return bad()
      out.push(d)
    } else out.push(d + b + a)
  }
  return ok(out)
}

/**
 * pad.
 * @example mk('pad', [x], { paddings: [[0, 0], [1, 1]], value: 0 }) // [N, 3] -> [N, 5]
 */
export const padOps = {
  pad: {
    shape: (i, a) => pipe(arity('pad', i, 1), E.chain(([x]) => (x!.dtype === 'float32' ? padShape(x!.shape, a.paddings) : shapeError('pad', 'pad takes a float32 input')))),
    // dy's slice at x's box
    grad: (y, dy) => {
      const x = y.inputs[0]!
      return [mk('slice', [dy], { begin: y.attrs.paddings.map(([b]) => b), size: x.shape.map((d) => (typeof d === 'string' ? -1 : d)) })]
    },
    eval: ([x], a) => tf.pad(x!, a.paddings.map(([b, c]) => [b, c] as [number, number]), a.value),
    lower: ([x], a) => tf.pad(x!, a.paddings.map(([b, c]) => [b, c] as [number, number]), a.value),
    layout: inOriginalLayout,
    // a fill padded with its own value is a fill
    fold: (n) => (fillValue(n.inputs[0]!) === Math.fround(n.attrs.value) ? fillLike(n, n.attrs.value) : undefined),
    // no padding -> x
    simplify: (n) => keepAs(n, n.inputs[0]!),
    canonical: (n) => ({ paddings: n.attrs.paddings.map(([b, a]) => [b, a] as const), value: Math.fround(n.attrs.value) }),
    // ONNX's default mode is constant
    onnx: (ins, a, cx) => {
      const b = cx.b
      const pads = [...a.paddings.map(([p]) => p), ...a.paddings.map(([, q]) => q)]
      return E.right(b.op('Pad', [ins[0]!, b.int64s(pads), b.scalar(a.value)]))
    },
  },
} satisfies OpFamily<'pad'>
