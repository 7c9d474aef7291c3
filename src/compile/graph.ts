/**
 * The graph container and the bottom-up rebuilding utility every pass uses.
 *
 * A graph is just its output nodes plus the leaves they reach; nodes are hash-consed (src/dsl/node.ts),
 * so rebuilding a graph through `mk` shares equal subtrees (CSE) and keeps untouched subtrees as the
 * very same objects.
 */
import { type Node, isOp, mk, topo } from '../dsl/node.js'

/** A computation: named data inputs, named trainable params, and the values it produces. */
export interface Graph {
  /** Data leaves, in creation order. */
  readonly inputs: readonly Node<'input'>[]
  /** Parameter leaves, in creation order. */
  readonly params: readonly Node<'param'>[]
  readonly outputs: readonly Node[]
}

/**
 * The graph of `outputs`, collecting the `input` and `param` leaves they reach (in creation order).
 * Leaf names are not checked for uniqueness here (check.ts does that).
 *
 * @example
 * const g = graphOf([lenet(input('x', ['N', 1, 28, 28])).node])
 * g.inputs.map((n) => n.attrs.name) // ['x']
 * g.params.map((n) => n.attrs.name) // ['0.weight', '0.bias', '3.weight', ...]
 */
export const graphOf = (outputs: readonly Node[]): Graph => {
  const nodes = topo(outputs)
  return {
    inputs: nodes.filter((n): n is Node<'input'> => isOp(n, 'input')),
    params: nodes.filter((n): n is Node<'param'> => isOp(n, 'param')),
    outputs: [...outputs],
  }
}

/**
 * `node` with its inputs replaced by `inputs` (same op and attrs), made through `mk` so its shape rule
 * re-runs (a rewrite that breaks shapes throws `ShapeError`). Returns `node` itself when nothing changed.
 *
 * @example
 * rebuild(mk('sigmoid', [a], {}), [b]) // sigmoid(b)
 */
export const rebuild = (node: Node, inputs: readonly Node[]): Node =>
  inputs.length === node.inputs.length && inputs.every((x, i) => x === node.inputs[i])
    ? node
    : node.inputs.length === 0
      ? mk(node.op, inputs, node.attrs, node.shape, node.dtype)
      : mk(node.op, inputs, node.attrs)

/**
 * What a rewrite does with one node. It receives the original `node` and its inputs already rewritten
 * (`inputs[i]` replaces `node.inputs[i]`), and returns the node to use in its place, usually
 * `rebuild(node, inputs)` or some new subgraph over `inputs`.
 */
export type RewriteFn = (node: Node, inputs: readonly Node[]) => Node

/**
 * Rebuilds the graph under `roots` bottom-up: every reachable node is visited once, inputs first,
 * and replaced by `fn(node, rewrittenInputs)`. Returns the new roots in order. Passes use it as
 * `rewrite(roots, (n, ins) => matches(n, ins) ? replacement(ins) : rebuild(n, ins))`.
 *
 * @example
 * // replace every relu by sigmoid
 * const [out] = rewrite([y], (n, ins) => (n.op === 'relu' ? mk('sigmoid', ins, {}) : rebuild(n, ins)))
 */
export const rewrite = (roots: readonly Node[], fn: RewriteFn): Node[] => {
  const done = new Map<number, Node>()
  for (const n of topo(roots)) done.set(n.id, fn(n, n.inputs.map((i) => done.get(i.id)!)))
  return roots.map((r) => done.get(r.id)!)
}

/**
 * `rewrite` over a graph's outputs; the leaves are collected again from the result.
 *
 * @example
 * const g2 = rewriteGraph(g, (n, ins) => rebuild(n, ins)) // g2.outputs equal g.outputs (same nodes)
 */
export const rewriteGraph = (g: Graph, fn: RewriteFn): Graph => graphOf(rewrite(g.outputs, fn))

/**
 * Replaces nodes by others everywhere under `roots` (e.g. a param by a constant), rebuilding their users.
 *
 * @example
 * const [y2] = substitute([y], new Map([[w, w2]]))
 */
export const substitute = (roots: readonly Node[], replacements: ReadonlyMap<Node, Node>): Node[] =>
  rewrite(roots, (n, ins) => replacements.get(n) ?? rebuild(n, ins))
