/**
 * slice: the box of x starting at `begin` with `size` elements per axis (a size of -1 takes the rest of
 * the axis), as tf.slice / jax.lax.dynamic_slice with static bounds. A symbolic axis can only be kept
 * whole (begin 0, size -1). The gradient pads dy back with zeros to x's shape.
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { mk } from '../ir/node.js'
import { type RShape, type ShapeError, fail, normAxis, showShape } from '../ir/shape.js'
import type { OpFamily } from './shared/impl.js'
import { inOriginalLayout } from './shared/layout.js'
import { fillLike, fillValue, keepAs } from './shared/rewrites.js'
import { type RuleResult, arity, ok, shapeError } from './shared/shape-rules.js'

declare module '../ir/ops.js' {
  interface OpAttrs {
    /** The box at `begin` of `size` elements per axis (-1: to the end of the axis). */
    slice: { readonly begin: readonly number[]; readonly size: readonly number[] }
  }
}

const show = (xs: readonly number[]): string => `[${xs.join(', ')}]`

/**
 * The sliced shape; the text is the type-level rule's (src/types/rules/slice.ts).
 * @example sliceShape(['N', 10], [0, 2], [-1, 3]) // Right(['N', 3])
 */
export const sliceShape = (x: RShape, begin: readonly number[], size: readonly number[]): RuleResult => {
  const bad = () => shapeError('slice', `slice at ${show(begin)} of size ${show(size)} does not fit ${showShape(x)}`, x)
  if (begin.length !== x.length || size.length !== x.length) return bad()
  const out: (number | string)[] = []
  for (let i = 0; i < x.length; i++) {
    const d = x[i]!
    const b = begin[i]!
    const s = size[i]!
    if (!Number.isInteger(b) || !Number.isInteger(s) || b < 0 || s < -1) return bad()
    if (typeof d === 'string') {
      if (b !== 0 || s !== -1) return bad()
      out.push(d)
    } else if (s === -1) {
      if (b > d) return bad()
      out.push(d - b)
    } else {
      if (b + s > d) return bad()
      out.push(s)
    }
  }
  return ok(out)
}

/**
 * slice.
 * @example mk('slice', [x], { begin: [0, 2], size: [-1, 3] }) // [N, 10] -> [N, 3]
 */
export const sliceOps = {
  slice: {
    shape: (i, a) => pipe(arity('slice', i, 1), E.chain(([x]) => (x!.dtype === 'float32' ? sliceShape(x!.shape, a.begin, a.size) : shapeError('slice', 'slice takes a float32 input')))),
    // dy padded with zeros back to x's box (a -1 size leaves nothing after it)
    grad: (y, dy) => {
      const x = y.inputs[0]!
      const paddings = x.shape.map((d, i): [number, number] => {
        const b = y.attrs.begin[i]!
        return typeof d === 'string' ? [0, 0] : [b, d - b - (y.shape[i] as number)]
      })
      return [mk('pad', [dy], { paddings, value: 0 })]
    },
    eval: ([x], a) => tf.slice(x!, [...a.begin], [...a.size]),
    lower: ([x], a) => tf.slice(x!, [...a.begin], [...a.size]),
    layout: inOriginalLayout,
    fold: (n) => fillLike(n, fillValue(n.inputs[0]!)),
    // the whole of x -> x; a slice of a slice -> one slice
    simplify: (n) => {
      const x = n.inputs[0]!
      if (x.op === 'slice') {
        const inner = x as typeof n
        const src = inner.inputs[0]!
        return mk('slice', [src], {
          begin: inner.attrs.begin.map((b, i) => b + n.attrs.begin[i]!),
          size: n.shape.map((d, i) => (typeof d === 'string' ? -1 : d)),
        })
      }
      return keepAs(n, x)
    },
    // -1 sizes of known axes spelled as the size they resolve to
    canonical: (n) => ({ begin: n.attrs.begin, size: n.shape.map((d) => (typeof d === 'string' ? -1 : d)) }),
    onnx: (ins, a, cx) => {
      const x = cx.node.inputs[0]!.shape
      const axes = x.map((_, i) => i).filter((i) => !(a.begin[i] === 0 && (a.size[i] === -1 || a.size[i] === x[i])))
      if (axes.length === 0) return E.right(cx.b.op('Identity', ins))
      const b = cx.b
      const starts = axes.map((i) => a.begin[i]!)
      const ends = axes.map((i) => a.begin[i]! + (cx.node.shape[i] as number))
      return E.right(b.op('Slice', [ins[0]!, b.int64s(starts), b.int64s(ends), b.int64s(axes)]))
    },
  },
} satisfies OpFamily<'slice'>

/**
 * The slices `split` takes: `sizes` along `axis` (they must sum to its size); the texts are the
 * type-level rule's (src/types/rules/slice.ts's SplitOut).
 * @example splitSlices(['N', 10], [3, 7], 1) // Right([{ begin: [0, 0], size: [-1, 3] }, { begin: [0, 3], size: [-1, 7] }])
 */
export const splitSlices = (
  x: RShape,
  sizes: readonly number[],
  axis: number,
): E.Either<ShapeError, { readonly begin: readonly number[]; readonly size: readonly number[] }[]> => {
  const a = normAxis(axis, x.length)
  if (a === undefined) return fail('split', `split axis ${axis} out of range for ${showShape(x)}`, x)
  const d = x[a]!
  if (typeof d === 'string') return fail('split', `split cannot split a symbolic or unknown size on axis ${axis} of ${showShape(x)}`, x)
  if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.reduce((p, q) => p + q, 0) !== d)
    return fail('split', `split sizes ${show(sizes)} do not sum to ${d} on axis ${axis} of ${showShape(x)}`, x)
  let at = 0
  return E.right(
    sizes.map((s) => {
      at += s
      return { begin: x.map((_, i) => (i === a ? at - s : 0)), size: x.map((_, i) => (i === a ? s : -1)) }
    }),
  )
}
