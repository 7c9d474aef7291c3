/**
 * argMax: the index of the largest element along one axis, which the result drops (jnp.argmax /
 * torch.argmax, keepdims false); int32, the first index among ties (tfjs's kernels and ONNX's ArgMax,
 * select_last_index 0, agree). Piecewise constant, so it passes no gradient back (an int32 result is
 * never differentiated). Every backend has an ArgMax kernel.
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { type Node, mk } from '../ir/node.js'
import { type RShape, normAxis, showShape } from '../ir/shape.js'
import { zeroGrad } from './shared/grad.js'
import type { OpFamily } from './shared/impl.js'
import { axisIn, inOriginalLayout, placed } from './shared/layout.js'
import { attr } from './shared/onnx.js'
import { isIdentityPerm } from './shared/perm.js'
import { canonicalAxis } from './shared/rewrites.js'
import { type RuleResult, arity, ok, shapeError } from './shared/shape-rules.js'

declare module '../ir/ops.js' {
  interface OpAttrs {
    /** The int32 index of the maximum along `axis` (negative counts from the end), which the result drops. */
    argMax: { readonly axis: number }
  }
}

/** x without its `axis`, as int32. @example argMaxShape(['N', 10], -1) // Right(['N']) (int32) */
export const argMaxShape = (x: RShape, axis: number): RuleResult => {
  const a = normAxis(axis, x.length)
  if (a === undefined) return shapeError('argMax', `argmax axis ${axis} out of range for ${showShape(x)}`, x)
  return ok(x.filter((_, i) => i !== a), 'int32')
}

/** Zeros of the result's shape: the argmax where every candidate is equal (a fill, or an axis of size 1). */
const zeros = (n: Node): Node => mk('fill', [], { value: 0 }, n.shape, 'int32')

/**
 * argMax.
 * @example mk('argMax', [logits], { axis: -1 }) // ['N', 10] -> ['N'] (int32)
 */
export const argMaxOps = {
  argMax: {
    shape: (i, a) => pipe(arity('argMax', i, 1), E.chain(([x]) => argMaxShape(x!.shape, a.axis))),
    // piecewise constant: no gradient reaches x
    grad: zeroGrad,
    eval: ([x], a) => tf.argMax(x!, normAxis(a.axis, x!.rank)!),
    lower: ([x], a) => tf.argMax(x!, normAxis(a.axis, x!.rank)!),
    // on a permuted input: the argmax along the stored axis, when the axes left are in their logical order
    // (the channels of an NHWC image), else in the original layout
    layout: (n, get) => {
      const x = get(n.inputs[0]!)
      if (x.form.kind !== 'perm') return inOriginalLayout(n, get)
      const rank = x.form.perm.length
      const a = normAxis(n.attrs.axis, rank)!
      const left = x.form.perm.filter((l) => l !== a).map((l) => (l > a ? l - 1 : l))
      return isIdentityPerm(left) ? placed(mk('argMax', [x.node], { axis: axisIn(x.form, a, rank) })) : inOriginalLayout(n, get)
    },
    fold: zeros,
    // (the fold pass folds float results only: a constant input is the simplifier's)
    simplify: (n) => {
      const x = n.inputs[0]!
      return x.op === 'fill' || x.shape[normAxis(n.attrs.axis, x.shape.length)!] === 1 ? zeros(n) : undefined
    },
    canonical: canonicalAxis,
    // ONNX's ArgMax gives int64; ours is int32
    onnx: ([x], a, cx) =>
      E.right(
        cx.b.op('Cast', [cx.b.op('ArgMax', [x!], { axis: attr.int(normAxis(a.axis, cx.node.inputs[0]!.shape.length)!), keepdims: attr.int(0) })], {
          to: attr.int(6),
        }),
      ),
  },
} satisfies OpFamily<'argMax'>
