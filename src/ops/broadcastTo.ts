/** broadcastTo: x repeated along its size-1 (or missing leading) axes up to `shape`; the adjoint of a sum. */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { mk } from '../ir/node.js'
import { type RShape, showShape } from '../ir/shape.js'
import { unbroadcast } from './shared/grad.js'
import type { OpFamily } from './shared/impl.js'
import { inOriginalLayout, placed } from './shared/layout.js'
import { permuteShape } from './shared/perm.js'
import { asWritten, fillLike, fillValue, keepAs } from './shared/rewrites.js'
import { arity, broadcastShapes, ok, shapeError } from './shared/shape-rules.js'

declare module '../ir/ops.js' {
  interface OpAttrs {
    /** Broadcast to `shape` (adjoint of a broadcasting binary op's reduction). */
    broadcastTo: { readonly shape: RShape }
  }
}

/**
 * broadcastTo.
 * @example mk('broadcastTo', [x], { shape: ['N', 10] }) // [1, 10] -> ['N', 10]
 */
export const broadcastToOps = {
  broadcastTo: {
    shape: (i, a) =>
      pipe(
        arity('broadcastTo', i, 1),
        E.chain(([x]) => broadcastShapes('broadcastTo', x!.shape, a.shape)),
        E.chain((s) =>
          s.length === a.shape.length && s.every((d, k) => d === a.shape[k]) ? ok(a.shape) : shapeError('broadcastTo', `broadcastTo cannot broadcast to ${showShape(a.shape)}`),
        ),
      ),
    grad: (y, dy) => [unbroadcast(dy, y.inputs[0]!.shape)],
    eval: ([x], a, ctx) => tf.broadcastTo(x!, ctx.bind(a.shape)),
    lower: ([x], a, ctx) => tf.broadcastTo(x!, ctx.bind(a.shape)),
    // a full-rank permuted input broadcasts to the permuted target
    layout: (n, get) => {
      const x = get(n.inputs[0]!)
      return x.form.kind === 'perm' && x.form.perm.length === n.shape.length
        ? placed(mk('broadcastTo', [x.node], { shape: permuteShape(n.attrs.shape, x.form.perm) }), x.form)
        : inOriginalLayout(n, get)
    },
    fold: (n) => fillLike(n, fillValue(n.inputs[0]!)),
    // broadcasting to the shape x already has -> x
    simplify: (n) => keepAs(n, n.inputs[0]!),
    canonical: asWritten,
    onnx: (ins, _a, cx) => E.map((shape: string) => cx.b.op('Expand', [ins[0]!, shape]))(cx.b.shapeOf(cx.node.shape)),
  },
} satisfies OpFamily<'broadcastTo'>
