/**
 * Planning the multi-node lowering patterns (src/ops/shared/patterns.ts): each op module states the
 * patterns it anchors, per backend (`OpImpl.patterns`); this matches them over a topo-ordered graph,
 * first match per anchor, no node in two calls. Backends without patterns get an empty plan.
 */
import type { Node } from '../../ir/node.js'
import type { FusedCall, FusionPattern, GraphView } from '../../ops/shared/patterns.js'

export type { FusedCall, FusionPattern, GraphView } from '../../ops/shared/patterns.js'

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
 * Matches the patterns of each anchor (`patternsOf`, first match wins per anchor, anchors in topo order,
 * no node in two calls) over the topo-ordered `nodes` whose roots are `outputs`. A match is kept only if it is sound for the driver,
 * which runs the call in place of its first output (`outputs[0]`): its inputs come before that node, every
 * other node reading one of its outputs comes after it, and its dead nodes are not outputs and are used
 * only by the call's own nodes (so skipping them changes nothing else).
 *
 * @example
 * const plan = planFusion(topo(roots), roots, (n) => ops[n.op].patterns?.wasm ?? [])
 * plan.calls.map((c) => c.pattern) // ['softmaxCrossEntropy', 'sigmoidGradWithBias', 'pooledSigmoidGrad', ...]
 */
export const planFusion = (nodes: readonly Node[], outputs: readonly Node[], patternsOf: (anchor: Node) => readonly FusionPattern[]): FusionPlan => {
  if (!nodes.some((n) => patternsOf(n).length > 0)) return emptyPlan
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
    if (c.outputs.length === 0) return false
    const mine = new Set([...c.outputs, ...c.dead].map((n) => n.id))
    const at = graph.position(c.outputs[0]!)
    return (
      [...mine].every((id) => !taken.has(id)) &&
      c.inputs.every((x) => graph.position(x) < at) &&
      c.outputs.every((o) => graph.users(o).every((u) => mine.has(u.id) || graph.position(u) > at)) &&
      c.dead.every((d) => !roots.has(d.id) && graph.users(d).every((u) => mine.has(u.id)))
    )
  }
  const calls: FusedCall[] = []
  for (const anchor of nodes) {
    if (taken.has(anchor.id)) continue
    for (const pattern of patternsOf(anchor)) {
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
