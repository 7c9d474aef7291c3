/**
 * Lowering: an (optimized) graph becomes one function over tfjs tensors. Each op's module states its
 * lowering, per backend where it matters (e.g. wasm gets the heap kernels of src/ops/kernels); the entry
 * for the target backend is picked once per node, here. On top of that, a backend may have multi-node
 * patterns, stated by the ops that anchor them and planned in src/compile/lower/fusion.ts: one fused call
 * computes several nodes and makes others dead.
 *
 * The work that depends only on the graph (topological order, input slots, when each value is last used)
 * is done once here; a call binds the symbolic dims from the fed tensors (e.g. N = 256, or a last partial
 * batch), runs the ops in order inside one `tf.tidy`, frees each intermediate after its last use, and
 * returns only the outputs. Constants (fills, window counts) are made once per binding
 * and kept until `dispose()`, so the number of live tensors is flat across calls. Nothing reads values
 * back to the host.
 */
import * as tf from '@tensorflow/tfjs-core'
import { type Node, topo } from '../dsl/node.js'
import type { Op } from '../dsl/ops.js'
import type { Key } from '../dsl/random.js'
import { bindShape, isKnown, showShape } from '../dsl/shape.js'
import { stage } from '../ops/index.js'
import { type BackendName, type LowerContext, type LowerOptions, type LowerTable, type Lowering, loweringFor } from '../ops/shared/lower.js'
import { type FusionPlan, planFusion } from './lower/fusion.js'

export { type LowerContext, type LowerOptions, type Lowering, type LowerTable, fusedActivations } from '../ops/shared/lower.js'
export type { FusedCall, FusionPlan } from './lower/fusion.js'

/**
 * How each op is lowered, for every backend or per backend (a view of the op table).
 * @example loweringFor(lowerings.reluGrad, 'wasm') // the wasm heap kernel's lowering
 */
export const lowerings = stage('lower')

/** Each op's multi-node patterns (a view of the op table). */
const patterns = stage('patterns')

/** The lowering of `node`'s op on `backend`. */
const loweringOf = (node: Node, backend: string): Lowering<Op> => loweringFor(lowerings[node.op] as Lowering<Op> | LowerTable<Op>, backend)

/** A fed tensor that does not fit the lowered graph (missing, wrong dtype or shape, conflicting dims). */
export class LowerError extends Error {
  readonly _tag = 'LowerError' as const
  constructor(
    readonly node: Node,
    detail: string,
  ) {
    super(`LowerError at ${node.op}#${node.id}: ${detail}`)
    this.name = 'LowerError'
  }
}

/** The tensors a lowered function runs on, by leaf name. */
export interface Feeds {
  readonly inputs: Readonly<Record<string, tf.Tensor>>
  readonly params: Readonly<Record<string, tf.Tensor>>
  /** The call's random key: training-form dropout draws its masks from it (a training step passes one per step). */
  readonly key?: Key
}

/** A graph lowered to tfjs ops. */
export interface LoweredFunction {
  /** Runs the graph; returns one new tensor per output (the caller disposes them). */
  (feeds: Feeds): tf.Tensor[]
  /** The graph's roots, in output order. */
  readonly outputs: readonly Node[]
  /** The multi-node patterns it runs as fused calls (empty on backends without patterns). */
  readonly fusion: FusionPlan
  /** Frees the kept constants. */
  dispose(): void
}

/**
 * The fused calls `lower` would run for the graph of `outputs` on `backend` (the patterns the op modules
 * state for it: wasm's SIMD heap passes, none elsewhere), for inspection.
 * @example fusionPlan(graph, 'wasm').calls.map((c) => c.pattern) // ['softmaxCrossEntropy', 'pooledSigmoidGrad', ...]
 */
export const fusionPlan = (outputs: readonly Node[], backend: string, nodes: readonly Node[] = topo(outputs)): FusionPlan =>
  planFusion(nodes, outputs, (n) => patterns[n.op]?.[backend as BackendName] ?? [])

/** Extra options of {@link lower}. */
export interface LowerExtras {
  /** Called after each op with its wall time in ms (accurate on synchronous backends like wasm and cpu). */
  readonly profile?: (node: Node, ms: number) => void
}

/** One unit of work: a node's own lowering, or a fused call computing several nodes (src/compile/lower/fusion.ts). */
interface Step {
  /** The first node it computes (what profiles and errors name). */
  readonly node: Node
  readonly run: (xs: tf.Tensor[], ctx: LowerContext) => tf.Tensor[]
  /** Values read, by node index. */
  readonly inputs: readonly number[]
  /** Values written, by node index (one per returned tensor). */
  readonly outputs: readonly number[]
  /** Values (by node index) whose last use is this step: freed right after it. */
  readonly frees: number[]
  /** Per output: whether its shape has symbolic dims that no leaf names (learned from its result). */
  readonly learns: readonly boolean[]
}

const symbols = (shape: readonly (number | string)[]): string[] => shape.filter((d): d is string => !isKnown(d) && !d.includes('*'))

/**
 * Lowers the graph of `outputs` for `options.backend`.
 *
 * @example
 * const f = lower(optimize([logits]), { backend: tf.getBackend() })
 * const [y] = f({ inputs: { x }, params }) // y: [N, 10], N taken from x
 * f.dispose()
 */
export const lower = (outputs: readonly Node[], options: LowerOptions & LowerExtras): LoweredFunction => {
  const nodes = topo(outputs)
  const index = new Map(nodes.map((n, i) => [n.id, i]))
  const leaves = nodes.filter((n): n is Node<'input'> | Node<'param'> => n.op === 'input' || n.op === 'param')
  const leafDims = new Set(leaves.flatMap((l) => symbols(l.shape)))
  const learns = (n: Node) => symbols(n.shape).some((d) => !leafDims.has(d))
  // Multi-node patterns of the backend (empty plan elsewhere): a fused call runs where its outputs[0]
  // would, its other outputs are not lowered on their own, and its dead nodes are not computed at all.
  const plan = fusionPlan(outputs, options.backend, nodes)
  const steps: Step[] = []
  for (const node of nodes) {
    const call = plan.callOf.get(node.id)
    if (plan.dead.has(node.id) || (call && call.outputs[0] !== node)) continue
    const computes = call ? call.outputs : [node]
    const own = call ? undefined : loweringOf(node, options.backend)
    steps.push({
      node,
      run: call ? (xs, ctx) => call.run(xs, ctx) : (xs, ctx) => [own!(xs, node.attrs, ctx)],
      inputs: (call ? call.inputs : node.inputs).map((x) => index.get(x.id)!),
      outputs: computes.map((n) => index.get(n.id)!),
      frees: [],
      learns: computes.map(learns),
    })
  }
  const lastUse = new Array<number>(nodes.length).fill(-1)
  steps.forEach((s, at) => s.inputs.forEach((k) => (lastUse[k] = at)))
  const isOutput = new Set(outputs.map((o) => index.get(o.id)!))
  lastUse.forEach((at, i) => {
    const n = nodes[i]!
    if (at >= 0 && !isOutput.has(i) && n.op !== 'input' && n.op !== 'param') steps[at]!.frees.push(i)
  })
  const kept = new Map<string, tf.Tensor>()

  const fed = (node: Node<'input'> | Node<'param'>, feeds: Feeds): tf.Tensor => {
    const t = (node.op === 'input' ? feeds.inputs : feeds.params)[node.attrs.name]
    if (t === undefined) throw new LowerError(node, `no tensor fed for ${node.op} '${node.attrs.name}'`)
    if (t.dtype !== node.dtype) throw new LowerError(node, `${node.op} '${node.attrs.name}' is ${node.dtype} but a ${t.dtype} tensor was fed`)
    return t
  }
  const unify = (node: Node, actual: readonly number[], bindings: Record<string, number>): void => {
    const bad = () => new LowerError(node, `expected shape ${showShape(node.shape)} but got ${showShape(actual)}`)
    if (node.shape.length !== actual.length) throw bad()
    node.shape.forEach((d, k) => {
      const got = actual[k]!
      if (isKnown(d)) {
        if (d !== got) throw bad()
      } else if (!d.includes('*')) {
        if (bindings[d] === undefined) bindings[d] = got
        else if (bindings[d] !== got) throw new LowerError(node, `dim '${d}' is ${bindings[d]} elsewhere but ${got} here (${showShape(actual)})`)
      }
    })
  }

  const run = (feeds: Feeds): tf.Tensor[] => {
    const bindings: Record<string, number> = {}
    const borrowed = new Set<tf.Tensor>()
    const shared = new Map<string, tf.Tensor>()
    for (const l of leaves) {
      const t = fed(l, feeds)
      unify(l, t.shape, bindings)
      borrowed.add(t)
    }
    const ctx: { node: Node } & LowerContext = {
      node: nodes[0]!,
      backend: options.backend,
      bind: (s) => bindShape(s, bindings),
      leaf: (n) => fed(n, feeds),
      constant: (key, make) => {
        let t = kept.get(key)
        if (t === undefined || t.isDisposed) {
          t = tf.keep(tf.tidy(make))
          kept.set(key, t)
        }
        borrowed.add(t)
        return t
      },
      key: () => {
        if (feeds.key === undefined) throw new LowerError(ctx.node, 'dropout in training form needs a random key: pass `key` in the feeds (or lower its inferenceForm)')
        return feeds.key
      },
      perCall: (key, make) => {
        let t = shared.get(key)
        if (t === undefined) {
          t = make()
          shared.set(key, t)
          // freed by the call's tidy, never by last-use tracking (no node owns it)
          borrowed.add(t)
        }
        return t
      },
    }
    return tf.tidy(() => {
      const values: tf.Tensor[] = new Array(steps.length)
      for (const s of steps) {
        ctx.node = s.node
        const xs = s.inputs.map((k) => values[k]!)
        const start = options.profile ? performance.now() : 0
        const outs = s.run(xs, ctx)
        if (options.profile) options.profile(s.node, performance.now() - start)
        s.outputs.forEach((k, j) => {
          // an op that hands back one of its inputs (identity reduce, ...) gets its own handle, so freeing
          // the input later cannot free this value
          const out = xs.includes(outs[j]!) ? tf.clone(outs[j]!) : outs[j]!
          if (s.learns[j]) unify(nodes[k]!, out.shape, bindings)
          values[k] = out
        })
        for (const k of s.frees) if (!borrowed.has(values[k]!)) values[k]!.dispose()
      }
      // leaves and constants are not ours to give away: outputs get their own handles
      return outputs.map((o) => {
        const v = values[index.get(o.id)!]!
        return borrowed.has(v) ? tf.clone(v) : v
      })
    })
  }
  return Object.assign(run, {
    outputs: [...outputs],
    fusion: plan,
    dispose: () => {
      for (const t of kept.values()) t.dispose()
      kept.clear()
    },
  })
}
