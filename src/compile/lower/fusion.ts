/**
 * Multi-node lowering patterns (tinygrad style: pattern -> replacement). A pattern looks at one anchor
 * node of the topo-ordered graph and its neighbourhood and may claim several nodes at once: the nodes a
 * single fused call computes (its outputs) and the nodes nobody needs any more (dead: not computed at
 * all). The lowering driver (src/compile/lower.ts) runs each call in place of its first output and skips
 * the dead nodes; every other node keeps its per-node lowering. Patterns are chosen per backend
 * (src/compile/lower/fused-grads.ts for wasm), so other backends get an empty plan.
 */
import type * as tf from '@tensorflow/tfjs-core'
import type { Node } from '../../dsl/node.js'
import type { LowerContext } from '../../ops/shared/lower.js'

/** One fused call: reads `inputs`, returns one tensor per node of `outputs`, in that order. */
export interface FusedCall {
  /** The pattern's name (for plan inspection and profiles), e.g. 'pooledSigmoidGrad'. */
  readonly pattern: string
  /** Values read; all come before the call's first output in topological order. */
  readonly inputs: readonly Node[]
  /** Nodes whose values the call produces instead of their own lowerings. */
  readonly outputs: readonly Node[]
  /** Nodes made unnecessary by the call: only the call's nodes used them, nothing computes them. */
  readonly dead: readonly Node[]
  run(xs: readonly tf.Tensor[], ctx: LowerContext): tf.Tensor[]
}

/** What a pattern may ask about the graph around its anchor. */
export interface GraphView {
  /** The nodes that read `n` (each once, in topo order). */
  users(n: Node): readonly Node[]
  /** Index of `n` in the topological order. */
  position(n: Node): number
  /** Whether `n` is one of the lowered function's outputs (its value must be produced). */
  isOutput(n: Node): boolean
  /** Whether an earlier match already took `n`. */
  claimed(n: Node): boolean
}

/** A multi-node pattern: given an anchor, the fused call that replaces it and its neighbours, if it matches. */
export type FusionPattern = (anchor: Node, graph: GraphView) => FusedCall | undefined

/** The fused calls of a graph, and the nodes they take over. */
export interface FusionPlan {
  readonly calls: readonly FusedCall[]
  /** The call computing each output node, by node id. */
  readonly callOf: ReadonlyMap<number, FusedCall>
  /** Ids of the nodes that are not computed at all. */
  readonly dead: ReadonlySet<number>
}

/** The plan that fuses nothing (backends without patterns). */
export const emptyPlan: FusionPlan = { calls: [], callOf: new Map(), dead: new Set() }

/**
 * Matches `patterns` (first match wins per anchor, anchors in topo order, no node in two calls) over the
 * topo-ordered `nodes` whose roots are `outputs`. A match is kept only if it is sound for the driver: its
 * inputs come before its first output, and its dead nodes are not outputs and are used only by the call's
 * own nodes (so skipping them changes nothing else).
 *
 * @example
 * const plan = planFusion(topo(roots), roots, wasmGradPatterns)
 * plan.calls.map((c) => c.pattern) // ['softmaxCrossEntropy', 'sigmoidGradWithBias', 'pooledSigmoidGrad', ...]
 */
export const planFusion = (nodes: readonly Node[], outputs: readonly Node[], patterns: readonly FusionPattern[]): FusionPlan => {
  if (patterns.length === 0) return emptyPlan
  const position = new Map(nodes.map((n, i) => [n.id, i]))
  const users = new Map<number, Node[]>(nodes.map((n) => [n.id, []]))
  for (const n of nodes) for (const x of new Set(n.inputs)) users.get(x.id)!.push(n)
  const roots = new Set(outputs.map((o) => o.id))
  const taken = new Set<number>()
  const graph: GraphView = {
    users: (n) => users.get(n.id) ?? [],
    position: (n) => position.get(n.id)!,
    isOutput: (n) => roots.has(n.id),
    claimed: (n) => taken.has(n.id),
  }
  const sound = (c: FusedCall): boolean => {
    const mine = new Set([...c.outputs, ...c.dead].map((n) => n.id))
    const first = Math.min(...c.outputs.map(graph.position))
    return (
      c.outputs.length > 0 &&
      [...mine].every((id) => !taken.has(id)) &&
      c.inputs.every((x) => graph.position(x) < first) &&
      c.dead.every((d) => !roots.has(d.id) && graph.users(d).every((u) => mine.has(u.id)))
    )
  }
  const calls: FusedCall[] = []
  for (const anchor of nodes) {
    if (taken.has(anchor.id)) continue
    for (const pattern of patterns) {
      const call = pattern(anchor, graph)
      if (call === undefined || !sound(call)) continue
      calls.push(call)
      for (const n of [...call.outputs, ...call.dead]) taken.add(n.id)
      break
    }
  }
  return {
    calls,
    callOf: new Map(calls.flatMap((c) => c.outputs.map((o) => [o.id, c] as const))),
    dead: new Set(calls.flatMap((c) => c.dead.map((d) => d.id))),
  }
}
