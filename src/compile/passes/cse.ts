/**
 * Common-subexpression elimination. `mk` hash-conses nodes, so rebuilding the graph through it already
 * merges equal (op, inputs, attrs); this pass also merges nodes whose attrs differ only in spelling:
 * negative axes (softmax axis -1 vs 1), unsorted or repeated reduction axes, and reshape targets with -1
 * (replaced by the shape they resolve to).
 */
import { P, match } from 'ts-pattern'
import { type Node, mk } from '../../dsl/node.js'
import { normAxis } from '../../dsl/shape.js'
import { rebuild, rewrite } from '../graph.js'
import type { Pass } from './rewrite.js'

const axis = (a: number, rank: number): number => normAxis(a, rank) ?? a

/** The attrs of `n` in canonical form (the same object when already canonical). */
export const normalizeAttrs = (n: Node): Node['attrs'] => {
  const rank = n.inputs[0]?.shape.length ?? 0
  return match<Node, Node['attrs']>(n)
    .with({ op: P.union('sum', 'mean', 'max') }, (r) => {
      const a = (r as Node<'sum'>).attrs
      const axes = [...new Set(a.axes.map((x) => axis(x, rank)))].sort((x, y) => x - y)
      return { ...a, axes }
    })
    .with({ op: P.union('softmax', 'logSoftmax', 'batchNorm', 'batchNormGrad', 'batchNormInfer', 'channelStat') }, (s) => {
      const a = (s as Node<'softmax'>).attrs
      return { ...a, axis: axis(a.axis, rank) }
    })
    .with({ op: 'reshape' }, (r) => ({ shape: r.shape }))
    .otherwise(() => n.attrs)
}

/**
 * Re-interns every node with canonical attrs, merging duplicates.
 *
 * @example
 * cse([mk('softmax', [x], { axis: -1 }), mk('softmax', [x], { axis: 1 })]) // the same node twice
 */
export const cse: Pass = (roots) =>
  rewrite(roots, (n, ins) => (n.inputs.length === 0 ? rebuild(n, ins) : mk(n.op, ins, normalizeAttrs(n) as never)))
