/**
 * Elementwise fusion (XLA's loop fusion, in the pattern table's terms): starting at an elementwise op,
 * the same-shaped float32 elementwise ops connected to it become one elementwise program
 * (kernels/elementwise-program.ts), with same-shaped tensors and one-element scalars as its inputs and
 * every member that something else still reads as an output. Each elementwise op states the program
 * instruction that computes it (`program` in its spec, ./elementwise.ts), which registers it here.
 *
 * Why: an optimizer's update is a dozen tiny elementwise ops per parameter (Adam: 14), each one kernel
 * launch and one pass over memory; as a program it is one launch and one pass.
 */
import type { Node } from '../../ir/node.js'
import type { Op } from '../../ir/ops.js'
import { type RShape, sameShape } from '../../ir/shape.js'
import { type ElementwiseProgram, type ProgramOp, type ProgramOperand, programFits, runElementwiseProgram } from '../kernels/elementwise-program.js'
import type { FusionPattern, GraphView } from './patterns.js'

const instructions = new Map<Op, ProgramOp>()

/**
 * Records that `op` is computed by program instruction `instruction` (called by the elementwise op
 * builders for ops whose spec names one).
 * @example registerProgramOp('add', 'add')
 */
export const registerProgramOp = (op: Op, instruction: ProgramOp): void => void instructions.set(op, instruction)

const isScalarShape = (s: RShape): boolean => s.every((d) => d === 1)

/**
 * The members of the group an anchor starts: the fusable ops connected to it through values (its users
 * and producers, theirs, ...), in topological order.
 */
const grow = (anchor: Node, graph: GraphView): Node[] => {
  const shape = anchor.shape
  const member = (n: Node) => instructions.has(n.op) && n.dtype === 'float32' && sameShape(n.shape, shape) && !graph.claimed(n)
  const external = (x: Node) => x.dtype === 'float32' && (sameShape(x.shape, shape) || isScalarShape(x.shape))
  const fits = (n: Node) => member(n) && n.inputs.every((x) => member(x) || external(x))
  if (!fits(anchor)) return []
  const group = new Map<number, Node>([[anchor.id, anchor]])
  for (let frontier = [anchor]; frontier.length > 0; ) {
    const next: Node[] = []
    for (const n of frontier)
      for (const u of [...n.inputs, ...graph.users(n)])
        if (!group.has(u.id) && fits(u)) {
          group.set(u.id, u)
          next.push(u)
        }
    frontier = next
  }
  return [...group.values()].sort((a, b) => graph.position(a) - graph.position(b))
}

/** The group's outputs: members read outside it, or outputs of the graph. */
const outputsOf = (members: readonly Node[], graph: GraphView): Node[] => {
  const ids = new Set(members.map((n) => n.id))
  return members.filter((n) => graph.isOutput(n) || graph.users(n).some((u) => !ids.has(u.id)))
}

/**
 * The longest prefix (in topological order) of `members` that can run as one call in place of its last
 * member: no node outside it reads one of its values before that point. (Its inputs come earlier by
 * construction: each precedes the member reading it.)
 */
const settle = (members: readonly Node[], graph: GraphView): Node[] => {
  let kept = [...members]
  for (;;) {
    if (kept.length === 0) return kept
    const ids = new Set(kept.map((n) => n.id))
    const at = graph.position(kept[kept.length - 1]!)
    const early = kept.flatMap((n) => graph.users(n)).filter((u) => !ids.has(u.id) && graph.position(u) < at)
    if (early.length === 0) return kept
    const cut = Math.min(...early.map(graph.position))
    kept = kept.filter((n) => graph.position(n) < cut)
  }
}

/**
 * The elementwise program of the group `anchor` starts (at least two ops), if it fits the kernel.
 * @example patterns: { wasm: [elementwiseChain] } // on every elementwise op with a program instruction
 */
export const elementwiseChain: FusionPattern = (anchor, graph) => {
  const members = settle(grow(anchor, graph), graph)
  if (members.length < 2) return undefined
  const ids = new Map(members.map((n, i) => [n.id, i]))
  const full: Node[] = []
  const scalars: Node[] = []
  const operand = (x: Node): ProgramOperand => {
    const step = ids.get(x.id)
    if (step !== undefined) return { step }
    const shape = members[0]!.shape
    const list = sameShape(x.shape, shape) && !isScalarShape(x.shape) ? full : scalars
    let at = list.indexOf(x)
    if (at < 0) at = list.push(x) - 1
    return list === full ? { input: at } : { scalar: at }
  }
  const steps = members.map((n) => ({ op: instructions.get(n.op)!, args: n.inputs.map(operand) }))
  // the call runs in place of its last member, which is an output (nothing in the group reads it)
  const outputs = outputsOf(members, graph).reverse()
  const program: ElementwiseProgram = { inputs: full.length, scalars: scalars.length, steps, outputs: outputs.map((o) => ids.get(o.id)!) }
  if (!programFits(program)) return undefined
  const shape = members[0]!.shape
  return {
    pattern: 'elementwiseProgram',
    inputs: [...full, ...scalars],
    outputs,
    dead: members.filter((n) => !outputs.includes(n)),
    run: (xs, ctx) => runElementwiseProgram(program, xs.slice(0, full.length), xs.slice(full.length), ctx.bind(shape)),
  }
}
