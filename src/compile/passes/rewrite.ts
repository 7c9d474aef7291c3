/**
 * Pass plumbing on top of graph.ts's bottom-up `rewrite`: the pass type, local rules applied to a fixed
 * point, and user counts (for rewrites that may only fire when an intermediate has no other user).
 */
import { type Node, topo } from '../../dsl/node.js'
import type { Op } from '../../dsl/ops.js'
import { rebuild, rewrite } from '../graph.js'

/** A graph-to-graph transformation over the outputs (roots) of a graph. Pure: old nodes are never changed. */
export type Pass = (roots: readonly Node[]) => Node[]

/** A local rewrite rule: a replacement for a node whose inputs are already rewritten, or undefined to keep it. */
export type Rule = (node: Node) => Node | undefined

/** Applies `rule` to a node until it no longer fires (bounded, in case two rules undo each other). */
const saturate = (node: Node, rule: Rule): Node => {
  let n = node
  for (let k = 0; k < 32; k++) {
    const next = rule(n)
    if (next === undefined || next === n) return n
    n = next
  }
  return n
}

/**
 * Rewrites the graph with a local rule, bottom-up, repeating whole sweeps until nothing changes, so rules
 * may build new nodes whose inputs would themselves match a rule.
 *
 * @example
 * rewriteWith(roots, (n) => (n.op === 'neg' && n.inputs[0]!.op === 'neg' ? n.inputs[0]!.inputs[0] : undefined))
 */
export const rewriteWith = (roots: readonly Node[], rule: Rule): Node[] => {
  let current = [...roots]
  for (let sweep = 0; sweep < 16; sweep++) {
    const next = rewrite(current, (n, ins) => saturate(rebuild(n, ins), rule))
    if (next.every((r, i) => r === current[i])) return next
    current = next
  }
  return current
}

/** How many users each node has in the graph of `roots` (being a root counts as one more use). */
export const userCounts = (roots: readonly Node[]): ReadonlyMap<Node, number> => {
  const counts = new Map<Node, number>()
  for (const n of topo(roots)) for (const i of n.inputs) counts.set(i, (counts.get(i) ?? 0) + 1)
  for (const r of roots) counts.set(r, (counts.get(r) ?? 0) + 1)
  return counts
}

/** A node as a union discriminated by `op`, so that ts-pattern (and `switch`) narrow its attrs. */
export type AnyNode = { [O in Op]: Node<O> }[Op]
/** Views a node as `AnyNode` (the same object). */
export const anyNode = (n: Node): AnyNode => n as AnyNode
