/**
 * concat: n inputs joined along one axis (jax.numpy.concatenate). They must agree on every other axis
 * and have known sizes on the joined one. The gradient of each input is its slice of dy. The layout pass
 * keeps a concat of values stored in one permuted form in that form (joining along the moved axis).
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { type Node, mk } from '../ir/node.js'
import { type RShape, normAxis, showShape } from '../ir/shape.js'
import type { OpFamily } from './shared/impl.js'
import { inOriginalLayout, placed } from './shared/layout.js'
import { attr } from './shared/onnx.js'
import { invertPerm } from './shared/perm.js'
import { canonicalAxis, fillLike, fillValue } from './shared/rewrites.js'
import { type RuleResult, ok, shapeError } from './shared/shape-rules.js'

declare module '../ir/ops.js' {
  interface OpAttrs {
    /** Its inputs joined along `axis` (negative counts from the end). */
    concat: { readonly axis: number }
  }
}

/**
 * The joined shape; the texts are the type-level rule's (src/types/rules/concat.ts) and the `concat`
 * combinator's.
 * @example concatShape([['N', 3], ['N', 4]], 1) // Right(['N', 7])
 */
export const concatShape = (xs: readonly RShape[], axis: number): RuleResult => {
  const first = xs[0]
  if (first === undefined) return shapeError('concat', 'concat needs at least one input')
  const a = normAxis(axis, first.length)
  if (a === undefined) return shapeError('concat', `concat axis ${axis} out of range for ${showShape(first)}`, first)
  for (const o of xs.slice(1))
    if (o.length !== first.length || o.some((d, i) => i !== a && typeof d === 'number' && typeof first[i] === 'number' && d !== first[i]))
      return shapeError('concat', `concat cannot join ${showShape(first)} and ${showShape(o)} along axis ${axis}`, first, o)
  const sizes = xs.map((o) => o[a]!)
  if (sizes.some((d) => typeof d === 'string')) return shapeError('concat', `concat cannot join a symbolic size along axis ${axis} of ${showShape(first)}`, first)
  return ok(first.map((d, i) => (i === a ? (sizes as number[]).reduce((p, q) => p + q, 0) : d)))
}

/** Each input's [begin, size] along the (non-negative) axis. */
const offsets = (n: Node<'concat'>, a: number): [number, number][] => {
  let at = 0
  return n.inputs.map((x) => {
    const size = x.shape[a] as number
    at += size
    return [at - size, size]
  })
}

/**
 * concat.
 * @example mk('concat', [a, b], { axis: 1 }) // [N, 3] and [N, 4] -> [N, 7]
 */
export const concatOps = {
  concat: {
    shape: (i, a) => (i.some((x) => x.dtype !== 'float32') ? shapeError('concat', 'concat joins float32 inputs') : concatShape(i.map((x) => x.shape), a.axis)),
    // dy's slice at each input's place along the axis
    grad: (y, dy, needed) => {
      const rank = y.shape.length
      const a = normAxis(y.attrs.axis, rank)!
      return offsets(y, a).map(([b, s], k) =>
        needed[k] === false
          ? undefined
          : mk('slice', [dy], { begin: y.shape.map((_, i) => (i === a ? b : 0)), size: y.shape.map((_, i) => (i === a ? s : -1)) }),
      )
    },
    eval: (xs, a) => tf.concat([...xs], a.axis),
    lower: (xs, a) => tf.concat([...xs], a.axis),
    // inputs all stored in one permuted form: join them in it, along the axis where it stores `axis`
    layout: (n, get) => {
      const ins = n.inputs.map((x) => get(x))
      const perm = ins[0]!.form.perm
      if (ins[0]!.form.kind !== 'perm' || ins.some((x) => x.form.kind !== 'perm' || x.form.perm.join() !== perm.join())) return inOriginalLayout(n, get)
      const a = normAxis(n.attrs.axis, n.shape.length)!
      return placed(mk('concat', ins.map((x) => x.node), { axis: invertPerm(perm)[a]! }), ins[0]!.form)
    },
    // fills of one value join to a fill
    fold: (n) => {
      const v = fillValue(n.inputs[0]!)
      return n.inputs.every((x) => fillValue(x) === v) ? fillLike(n, v) : undefined
    },
    // one input -> itself
    simplify: (n) => (n.inputs.length === 1 ? n.inputs[0] : undefined),
    canonical: canonicalAxis,
    onnx: (ins, a, cx) => E.right(cx.b.op('Concat', ins, { axis: attr.int(normAxis(a.axis, cx.node.shape.length)!) })),
  },
} satisfies OpFamily<'concat'>
