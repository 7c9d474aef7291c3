/**
 * Multi-node lowering patterns (tinygrad style: pattern -> replacement). A pattern sits with the op that
 * anchors it (`OpImpl.patterns`, per backend), looks at the anchor node of the topo-ordered graph and
 * its neighbourhood, and may claim several nodes at once: the nodes one fused call computes (its
 * outputs) and the nodes nobody needs any more (dead: not computed at all). The lowering driver
 * (src/compile/lower.ts, planning in src/compile/lower/fusion.ts) runs each call in place of its first
 * output and skips the dead nodes; every other node keeps its per-node lowering.
 */
import type * as tf from '@tensorflow/tfjs-core'
import type { Node } from '../../ir/node.js'
import type { BackendName, LowerContext } from './lower.js'

/** One fused call: reads `inputs`, returns one tensor per node of `outputs`, in that order. */
export interface FusedCall {
  /** The pattern's name (for plan inspection and profiles), e.g. 'pooledSigmoidGrad'. */
  readonly pattern: string
  /** Values read; all come before `outputs[0]` in topological order. */
  readonly inputs: readonly Node[]
  /**
   * Nodes whose values the call produces instead of their own lowerings. The call runs in place of
   * `outputs[0]`: nodes outside the call that read any output must come after it.
   */
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

/** An op's patterns per backend, tried in order (first match wins). */
export type PatternTable = { readonly [B in BackendName]?: readonly FusionPattern[] }
