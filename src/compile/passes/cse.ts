/**
 * Common-subexpression elimination. `mk` hash-conses nodes, so rebuilding the graph through it already
 * merges equal (op, inputs, attrs); this pass also merges nodes whose attrs differ only in spelling, as
 * each op's module defines its canonical attrs (`canonical`): negative axes (softmax axis -1 vs 1),
 * unsorted or repeated reduction axes, reshape targets with -1 (replaced by the shape they resolve to).
 */
import { type Node, mk } from '../../dsl/node.js'
import { impl } from '../../ops/index.js'
import { rebuild, rewrite } from '../graph.js'
import type { Pass } from './rewrite.js'

/**
 * The attrs of `n` in canonical form (the same object when already canonical).
 * @example normalizeAttrs(mk('softmax', [x], { axis: -1 })) // { axis: 1 } for x [N, 10]
 */
export const normalizeAttrs = (n: Node): Node['attrs'] => impl(n.op).canonical(n)

/**
 * Re-interns every node with canonical attrs, merging duplicates.
 *
 * @example
 * cse([mk('softmax', [x], { axis: -1 }), mk('softmax', [x], { axis: 1 })]) // the same node twice
 */
export const cse: Pass = (roots) =>
  rewrite(roots, (n, ins) => (n.inputs.length === 0 ? rebuild(n, ins) : mk(n.op, ins, normalizeAttrs(n) as never)))
