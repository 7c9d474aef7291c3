/**
 * The reference interpreter: evaluates every op of the IR (forward ops, gradient primitives, fused ops)
 * with plain tfjs-core ops, one node at a time, without optimizations. Tests use it as the source of
 * expected values for passes, autodiff and backend lowerings; it runs on whatever tfjs backend is active
 * (use `cpu` for reference results).
 *
 * Symbolic dims are bound from the tensors fed for inputs and params (e.g. `N = 256`), then checked
 * against every node's inferred shape as the graph runs, so a wrong shape rule is caught here too.
 */
import * as tf from '@tensorflow/tfjs-core'
import { type Node, topo } from '../dsl/node.js'
import type { Op } from '../dsl/ops.js'
import type { Key } from '../dsl/random.js'
import { type RShape, bindShape, isKnown, showShape } from '../dsl/shape.js'
import { stage } from '../ops/index.js'
import type { EvalContext, Evaluator } from '../ops/shared/eval.js'

export { dropoutScale } from '../ops/dropout.js'
export type { EvalContext, Evaluator } from '../ops/shared/eval.js'

/** The values a graph runs on: tensors by leaf name, plus optional symbolic dim sizes. */
export interface InterpretEnv {
  readonly inputs: Readonly<Record<string, tf.Tensor>>
  readonly params: Readonly<Record<string, tf.Tensor>>
  /**
   * Sizes of symbolic dims. Dims of the graph's own leaves are inferred from the fed tensors; pass the
   * others here (e.g. a gradient graph whose `fill(1, ['N'])` no longer reaches the input that had N).
   */
  readonly bindings?: Readonly<Record<string, number>>
  /** The random key of this call (training-form dropout draws its masks from it). */
  readonly key?: Key
}

/** A fed tensor that does not fit the graph (missing, wrong shape or dtype, conflicting dim sizes). */
export class InterpretError extends Error {
  readonly _tag = 'InterpretError' as const
  constructor(
    readonly node: Node,
    detail: string,
  ) {
    super(`InterpretError at ${node.op}#${node.id}: ${detail}`)
    this.name = 'InterpretError'
  }
}

/**
 * How each op is evaluated (a view of the op table: each op's module states its reference evaluation).
 * @example evaluators.relu([x], {}, ctx) // tf.relu(x)
 */
export const evaluators = stage('eval')

/**
 * Learns symbolic dims from an actual shape and checks the known ones: `['N', 10]` against `[256, 10]`
 * binds N = 256. Products (`'N*400'`) and derived names are checked when they can be evaluated.
 */
const unify = (node: Node, expected: RShape, actual: readonly number[], bindings: Record<string, number>): void => {
  const mismatch = () => new InterpretError(node, `expected shape ${showShape(expected)} but got ${showShape(actual)}`)
  if (expected.length !== actual.length) throw mismatch()
  expected.forEach((d, i) => {
    const got = actual[i]!
    if (isKnown(d)) {
      if (d !== got) throw mismatch()
    } else if (!d.includes('*')) {
      if (bindings[d] === undefined) bindings[d] = got
      else if (bindings[d] !== got) throw new InterpretError(node, `dim '${d}' is ${bindings[d]} elsewhere but ${got} here (${showShape(actual)})`)
    } else {
      const factors = d.split('*')
      if (factors.every((f) => /^\d+$/.test(f) || bindings[f] !== undefined) && bindShape([d], bindings)[0] !== got) throw mismatch()
    }
  })
}

const feed = (node: Node<'input'> | Node<'param'>, env: InterpretEnv): tf.Tensor => {
  const table = node.op === 'input' ? env.inputs : env.params
  const t = table[node.attrs.name]
  if (t === undefined) throw new InterpretError(node, `no tensor fed for ${node.op} '${node.attrs.name}'`)
  if (t.dtype !== node.dtype) throw new InterpretError(node, `${node.op} '${node.attrs.name}' is ${node.dtype} but a ${t.dtype} tensor was fed`)
  return t
}

/**
 * Evaluates `outputs` on `env`, returning one tensor per output (the caller disposes them, except an
 * output that is itself a leaf: that is the fed tensor; all intermediates are disposed). Throws
 * `InterpretError` when the fed tensors do not fit the graph.
 *
 * @example
 * const y = lenet(input('x', ['N', 1, 28, 28]))
 * const [logits] = interpret([y.node], { inputs: { x: tf.zeros([2, 1, 28, 28]) }, params: { '0.weight': w0, ... } })
 * logits.shape // [2, 10]  (N bound to 2 from x)
 */
export const interpret = (outputs: readonly Node[], env: InterpretEnv): tf.Tensor[] => {
  const nodes = topo(outputs)
  const bindings: Record<string, number> = { ...env.bindings }
  // Bind from every fed leaf first: a fill created before the input that names its dims is fine.
  for (const n of nodes) if (n.op === 'input' || n.op === 'param') unify(n, n.shape, feed(n as Node<'input'>, env).shape, bindings)
  return tf.tidy(() => {
    const values = new Map<number, tf.Tensor>()
    for (const node of nodes) {
      const ctx: EvalContext = {
        node,
        bind: (s) => bindShape(s, bindings),
        leaf: (n) => feed(n, env),
        key: () => {
          if (env.key === undefined) throw new InterpretError(node, 'dropout in training form needs a random key: pass `key` (or evaluate its inferenceForm)')
          return env.key
        },
      }
      const out = (evaluators[node.op] as Evaluator<Op>)(node.inputs.map((i) => values.get(i.id)!), node.attrs, ctx)
      unify(node, node.shape, out.shape, bindings)
      if (out.dtype !== node.dtype) throw new InterpretError(node, `expected ${node.dtype} but computed ${out.dtype}`)
      values.set(node.id, out)
    }
    return outputs.map((o) => values.get(o.id)!)
  })
}
