/**
 * transpose by a permutation of the axes. The layout pass absorbs a transpose of a permuted value into
 * its form (no kernel), and the simplifier merges chains and drops the identities.
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { mk } from '../ir/node.js'
import { type RShape, showShape } from '../ir/shape.js'
import type { OpFamily } from './shared/impl.js'
import { inOriginalLayout, placed } from './shared/layout.js'
import { attr } from './shared/onnx.js'
import { composePerm, invertPerm, isIdentityPerm, movesOnlyUnitDims } from './shared/perm.js'
import { asWritten, fillLike, fillValue } from './shared/rewrites.js'
import { type RuleResult, arity, ok, shapeError } from './shared/shape-rules.js'

declare module '../ir/ops.js' {
  interface OpAttrs {
    transpose: { readonly perm: readonly number[] }
  }
}

/** The shape of x transposed by `perm`, a permutation of its axes. @example transposeShape([2, 3], [1, 0]) // Right([3, 2]) */
export const transposeShape = (x: RShape, perm: readonly number[]): RuleResult => {
  const sorted = [...perm].sort((a, b) => a - b)
  if (perm.length !== x.length || sorted.some((p, i) => p !== i))
    return shapeError('transpose', `transpose permutation [${perm.join(', ')}] does not fit ${showShape(x)}`, x)
  return ok(perm.map((p) => x[p]!))
}

/**
 * transpose.
 * @example mk('transpose', [x], { perm: [0, 2, 3, 1] }) // NCHW -> NHWC
 */
export const transposeOps = {
  transpose: {
    shape: (i, a) => pipe(arity('transpose', i, 1), E.chain(([x]) => transposeShape(x!.shape, a.perm))),
    grad: (y, dy) => [mk('transpose', [dy], { perm: y.attrs.perm.map((_, i) => y.attrs.perm.indexOf(i)) })],
    eval: ([x], a) => tf.transpose(x!, [...a.perm]),
    lower: ([x], a) => tf.transpose(x!, [...a.perm]),
    // a transpose of a permuted value is just another form of it
    layout: (n, get) => {
      const x = get(n.inputs[0]!)
      if (x.form.kind !== 'perm') return inOriginalLayout(n, get)
      const inv = invertPerm(n.attrs.perm)
      return placed(x.node, { kind: 'perm', perm: x.form.perm.map((a) => inv[a]!) })
    },
    fold: (n) => fillLike(n, fillValue(n.inputs[0]!)),
    // transpose(transpose x) -> one transpose; the identity -> x; moving only size-1 dims -> a reshape
    simplify: (n) => {
      const x = n.inputs[0]!
      if (x.op === 'transpose') return mk('transpose', [x.inputs[0]!], { perm: composePerm((x as typeof n).attrs.perm, n.attrs.perm) })
      return isIdentityPerm(n.attrs.perm) ? x : movesOnlyUnitDims(x.shape, n.attrs.perm) ? mk('reshape', [x], { shape: n.shape }) : undefined
    },
    canonical: asWritten,
    onnx: (ins, a, cx) => E.right(cx.b.op('Transpose', ins, { perm: attr.ints(a.perm) })),
  },
} satisfies OpFamily<'transpose'>
