/**
 * Algebraic simplification: identities that remove work without changing any value, each stated by its
 * op's module (`simplify`): x*1, x+0, x-0, x/1 -> x (only when x already has the result's shape, so no
 * broadcast is lost); 0-x -> neg x; neg(neg x) -> x; reshape(reshape x) -> one reshape; transpose chains
 * -> one transpose, identities dropped, unit-dim moves -> reshape; reductions over no (or size-1) axes ->
 * x; dropout with rate 0 -> x; broadcastTo the same shape -> x.
 *
 * Deliberately NOT done: x*0 -> 0. It is wrong when x holds Inf or NaN (0*Inf = NaN), and a diverging
 * run should show its NaNs instead of hiding them behind a constant.
 */
import { impl } from '../../ops/index.js'
import { type Pass, type Rule, rewriteWith } from './rewrite.js'

/**
 * The simplification rule, one node at a time (inputs already simplified).
 * @example simplifyRule(mk('neg', [mk('neg', [x], {})], {})) // x
 */
export const simplifyRule: Rule = (n) => impl(n.op).simplify(n)

/**
 * Simplifies the graph to a fixed point.
 *
 * @example
 * simplify([mk('mul', [x, fill([], 1).node], {})]) // [x]
 */
export const simplify: Pass = (roots) => rewriteWith(roots, simplifyRule)
