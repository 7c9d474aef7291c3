/**
 * Reverse-mode automatic differentiation as a transformation on the IR: the result is more IR (gradient
 * primitives, broadcasts, sums), so gradient graphs are printed, checked, optimized and lowered like any
 * other graph. Nothing is evaluated here.
 */
import * as E from 'fp-ts/lib/Either.js'
import { type Node, topo } from '../dsl/node.js'
import type { Op } from '../dsl/ops.js'
import { ShapeError } from '../dsl/shape.js'
import { stage } from '../ops/index.js'
import { type GradRule, GradError, add, constant } from '../ops/shared/grad.js'

export { GradError, type GradRule } from '../ops/shared/grad.js'

/**
 * The gradient rule of every op (a view of the op table: each op's module states its own).
 * @example gradRules.relu(y, dy, [true]) // [reluGrad(y, dy)]
 */
export const gradRules = stage('grad')

/**
 * Gradients of `loss` w.r.t. each node of `wrt` (usually `param` leaves), as new IR nodes of the same
 * shapes. A non-scalar loss is summed first. A node the loss does not depend on gets zeros; int32 paths
 * (labels) get no gradient. Fan-out is accumulated with `add`. Only nodes on a path from `wrt` to `loss`
 * are differentiated. Throws `GradError` for an op without a gradient (e.g. a gradient primitive).
 *
 * @example
 * const loss = mk('softmaxCrossEntropy', [lenet(x).node, labels.node], {})   // []
 * const [dW0] = grad(loss, [w0])                                               // [6, 1, 5, 5]
 */
export const grad = (loss: Node, wrt: readonly Node[]): Node[] => {
  const nodes = topo([loss])
  const targets = new Set(wrt.map((n) => n.id))
  // nodes whose value depends on some wrt node: only their inputs can need a gradient
  const live = new Set<number>()
  for (const n of nodes) if (targets.has(n.id) || n.inputs.some((i) => live.has(i.id))) live.add(n.id)
  const adjoint = new Map<number, Node>()
  if (live.has(loss.id)) adjoint.set(loss.id, constant(1, loss.shape))
  for (const n of nodes.reverse()) {
    const dy = adjoint.get(n.id)
    if (dy === undefined || n.inputs.length === 0) continue
    const needed = n.inputs.map((i) => live.has(i.id) && i.dtype === 'float32')
    if (!needed.some(Boolean)) continue
    const grads = (gradRules[n.op] as GradRule<Op>)(n, dy, needed)
    n.inputs.forEach((input, k) => {
      const g = grads[k]
      if (!needed[k] || g === undefined) return
      const prev = adjoint.get(input.id)
      adjoint.set(input.id, prev === undefined ? g : add(prev, g))
    })
  }
  return wrt.map((w) => adjoint.get(w.id) ?? constant(0, w.shape))
}

/**
 * The loss itself and its gradients, for a training step that reports the loss.
 *
 * @example
 * const { value, grads } = valueAndGrad(loss, params) // value === loss; grads[i].shape equals params[i].shape
 */
export const valueAndGrad = (loss: Node, wrt: readonly Node[]): { readonly value: Node; readonly grads: Node[] } => ({
  value: loss,
  grads: grad(loss, wrt),
})

/**
 * `grad` with its failures as values: a `GradError` (an op without a gradient) or a `ShapeError`
 * (a rule built a node whose shape does not check, which would be a bug in that rule).
 *
 * @example
 * E.isRight(tryGrad(loss, params)) // true
 */
export const tryGrad = (loss: Node, wrt: readonly Node[]): E.Either<GradError | ShapeError, Node[]> =>
  E.tryCatch(
    () => grad(loss, wrt),
    (e) => {
      if (e instanceof GradError || e instanceof ShapeError) return e
      throw e
    },
  )
