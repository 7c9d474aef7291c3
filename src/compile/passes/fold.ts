/**
 * Constant folding of fill-only subtrees: a float32 op whose inputs are all float32 fills becomes a fill,
 * computed now, when its op's module says how (`fold`: e.g. unary(fill v) -> fill f(v), sum of a fill ->
 * fill(v * count)). Values are rounded to float32 as the kernels would. What each op folds to, and what
 * it leaves alone (dropout: its mask is random; a sum over the batch 'N': its size is unknown), is the
 * op's own decision.
 */
import type { Node } from '../../dsl/node.js'
import { impl } from '../../ops/index.js'
import { type Pass, type Rule, rewriteWith } from './rewrite.js'

/**
 * The folding rule, one node at a time (inputs already folded).
 * @example foldRule(mk('neg', [fill([2], 1).node], {})) // fill [2] -1
 */
export const foldRule: Rule = (n) =>
  n.dtype !== 'float32' || n.inputs.length === 0 || n.inputs.some((i: Node) => i.op !== 'fill' || i.dtype !== 'float32') ? undefined : impl(n.op).fold(n)

/**
 * Folds fill-only subtrees to single fills, to a fixed point.
 *
 * @example
 * fold([mk('add', [fill([2], 1).node, fill([2], 2).node], {})]) // [fill [2] 3]
 */
export const fold: Pass = (roots) => rewriteWith(roots, foldRule)
