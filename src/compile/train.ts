/**
 * The whole training step as one compiled function (the contract in notes/train-api.md): forward, mean
 * softmax cross-entropy, gradients (autodiff), the optimizer's update (IR built by src/dsl/optim), the
 * batch metrics (summed loss, correct count) — one graph, optimized once, lowered once.
 *
 * Params, optimizer state ('<param>@<slot>') and buffers (non-trainable param leaves such as batch norm's
 * '<layer>.runningMean' / '.runningVar') live in tf.Variables on the active backend; `step` runs the
 * lowered graph and points each variable at its new value (no copy, no host read), so a training loop can
 * queue steps without waiting on the device.
 *
 * Batch norm, as PyTorch's: the step graph normalizes with batch statistics and also outputs each running
 * buffer's update `(1 - momentum) * running + momentum * stat` (stat: the batch mean, or the unbiased batch
 * variance); `evaluate` runs a second graph where every `batchNorm` became `batchNormInfer` over the
 * buffers. Buffers are not differentiated and the optimizer never sees them; `read`/`load` carry them in
 * `params` with the trainable ones (they are in the model's param tree), so checkpoints keep them.
 */
import * as tf from '@tensorflow/tfjs-core'
import { type Node, mk, topo } from '../dsl/node.js'
import type { Optimizer } from '../dsl/optim/index.js'
import { type Loss, type Metric, crossEntropy } from '../dsl/losses.js'
import { isKnown, sameShape, showShape } from '../dsl/shape.js'
import type { Tensor } from '../dsl/tensor.js'
import { type Key, foldIn, key } from '../dsl/random.js'
import { impl } from '../ops/index.js'
import { grad } from './autodiff.js'
import { graphOf } from './graph.js'
import { inferenceForm } from './modes.js'
import { fusedActivations, type LowerExtras, type LoweredFunction, lower } from './lower.js'
import { optimize } from './pipeline.js'
import { printGraph } from './print.js'

/** What the compiler needs to build a training step. */
export interface TrainProgramSpec {
  /** Model output (e.g. logits [N, C]) built on one float32 input leaf (e.g. 'x' [N,1,28,28]) and param leaves. */
  readonly logits: Node
  /** The input leaf of the targets (e.g. int32 labels 'y' [N], or float32 targets shaped as the output). */
  readonly labels: Node
  readonly optimizer: Optimizer
  /** Host initial values keyed by param leaf name ('0.weight', ...). */
  readonly params: Readonly<Record<string, Tensor>>
  /** The loss (src/dsl/losses.ts); default: softmax cross-entropy over classes. */
  readonly loss?: Pick<Loss, 'mean' | 'correct' | 'invalidTargets'>
  /** Further metrics, reported in `StepMetrics.extra` in this order. */
  readonly metrics?: readonly Metric[]
  /** The run's random key: step k draws its dropout masks from `foldIn(key, String(k))` (default key(0)). */
  readonly key?: Key
}

/** Device scalars of one batch (not read back to the host). */
export interface StepMetrics {
  /** Sum over the batch of the per-example loss. */
  readonly lossSum: tf.Scalar
  /** Number of correctly classified examples (0 for a loss without accuracy). */
  readonly correct: tf.Scalar
  /** Input values of the batch that are NaN or infinite (0 for good data). */
  readonly invalidInputs: tf.Scalar
  /** Targets of the batch the loss cannot use, e.g. labels outside the classes (0 for good data). */
  readonly invalidTargets: tf.Scalar
  /** The per-batch sums of `spec.metrics`, in order. */
  readonly extra: readonly tf.Scalar[]
}

/** Params (buffers included, by leaf name), optimizer state and step counter as host tensors (what checkpoints store). */
export interface ProgramState {
  readonly params: Record<string, Tensor>
  readonly state: Record<string, Tensor>
  readonly step: number
}

/** A compiled training step. */
export interface TrainProgram {
  /** Whether the loss counts correct examples (so an accuracy is meaningful). */
  readonly hasAccuracy: boolean
  /** The names of `StepMetrics.extra`, in order. */
  readonly metricNames: readonly string[]
  /** The model's output in inference form for a batch of inputs (the caller disposes it). */
  predict(x: tf.Tensor): tf.Tensor
  /** One step: forward, loss, gradients, update of params/state in place. The caller disposes the scalars. */
  step(x: tf.Tensor, y: tf.Tensor): StepMetrics
  /** Forward only (no update; batch norm in inference form over its running statistics): the same metrics. */
  evaluate(x: tf.Tensor, y: tf.Tensor): StepMetrics
  /** Current params (with buffers such as running statistics) and optimizer state, read back to the host. */
  read(): Promise<ProgramState>
  /** Replaces params, optimizer state and step counter (e.g. from a checkpoint). */
  load(s: ProgramState): void
  /** The step's graph (outputs lossSum, correct, new params, new state, new buffers) before and after optimization. */
  readonly printed: { readonly before: string; readonly after: string }
  dispose(): void
}

/** The spec does not fit together (missing or misshapen initial params, wrong leaves), or a bad load. */
export class TrainCompileError extends Error {
  readonly _tag = 'TrainCompileError' as const
  constructor(detail: string) {
    super(`compileTraining: ${detail}`)
    this.name = 'TrainCompileError'
  }
}

/** A batch a compiled step cannot run on (disposed or empty tensors); shapes and dtypes are `LowerError`s. */
export class StepInputError extends Error {
  readonly _tag = 'StepInputError' as const
  constructor(detail: string) {
    super(detail)
    this.name = 'StepInputError'
  }
}

/**
 * Throws `StepInputError` for tensors no kernel should see: disposed ones (tfjs would fail deep inside with a
 * bare TypeError) and empty batches (NaN means on one backend, a kernel error on another).
 */
export const checkBatch = (what: string, tensors: Readonly<Record<string, tf.Tensor>>): void => {
  for (const [name, t] of Object.entries(tensors)) {
    if (t.isDisposed) throw new StepInputError(`${what}: the ${name} tensor was already disposed`)
    if (t.shape.length === 0 || t.shape[0] === 0) throw new StepInputError(`${what}: the ${name} batch is empty (shape [${t.shape.join(', ')}])`)
  }
}

/** The name of the scalar step-count input the optimizers read (1-based). */
export const STEP_INPUT = '@step'

const leafName = (n: Node): string => (n.attrs as { name: string }).name

const checkHost = (what: string, shape: readonly (number | string)[], t: Tensor | undefined): Tensor => {
  if (t === undefined) throw new TrainCompileError(`no value for ${what}`)
  if (!sameShape(shape, t.shape as readonly number[]) || t.data.length !== t.shape.reduce<number>((a, d) => a * (d as number), 1))
    throw new TrainCompileError(`${what} has shape ${showShape(shape)} but the value has shape ${showShape(t.shape)} (${t.data.length} elements)`)
  return t
}

/** A loss and metrics as graph outputs over a model's output and its targets. */
export interface ScoreGraph {
  /** The mean loss over the batch (what gradients are taken of). */
  readonly loss: Node
  /** The summed loss over the batch. */
  readonly lossSum: Node
  /** Correct examples (0 for a loss without accuracy). */
  readonly correct: Node
  /** The metrics' per-batch sums. */
  readonly extra: readonly Node[]
  /** How many input values are NaN or infinite. */
  readonly invalidInputs: Node
  /** How many targets the loss cannot use (e.g. labels outside the classes). */
  readonly invalidTargets: Node
}

/**
 * The outputs that score a batch of `input`: mean and summed loss, correct count, metric sums, and the
 * counts of invalid inputs and targets. Throws `TrainCompileError` when the loss is not a scalar.
 * @example scoreGraph(x, logits, labels, crossEntropy, []).lossSum.shape // []
 */
export const scoreGraph = (input: Node, out: Node, target: Node, loss: Pick<Loss, 'mean' | 'correct' | 'invalidTargets'>, metrics: readonly Metric[]): ScoreGraph => {
  const mean = loss.mean(out, target)
  if (mean.shape.length !== 0) throw new TrainCompileError(`the loss must be a scalar (a mean over the batch) but has shape ${showShape(mean.shape)}`)
  const nonFinite = (n: Node) => mk('invalidCount', [n], { check: 'nonFinite' })
  return {
    loss: mean,
    lossSum: mk('mul', [mean, batchCount(out)], {}),
    correct: loss.correct?.(out, target) ?? scalar(0),
    extra: metrics.map((m) => m.sum(out, target)),
    invalidInputs: input.dtype === 'int32' ? outOfVocab(input, out) : nonFinite(input),
    invalidTargets: loss.invalidTargets?.(out, target) ?? (target.dtype === 'float32' ? nonFinite(target) : scalar(0)),
  }
}

/**
 * The count of int32 inputs (token ids) outside 0..V-1, V the smallest index range an op states for them
 * when it reads them directly (`indexRange`: an embedding's table size; 0 when none does): an embedding
 * clamps such an index, so the training pipeline reports them.
 */
const outOfVocab = (input: Node, out: Node): Node => {
  const vocabs = topo([out]).flatMap((n) => {
    const r = (impl(n.op).indexRange as ((n: Node) => { operand: Node; classes: number } | undefined) | undefined)?.(n)
    return r !== undefined && r.operand === input ? [r.classes] : []
  })
  return vocabs.length === 0 ? scalar(0) : mk('invalidCount', [input], { check: 'classRange', classes: Math.min(...vocabs) })
}

/** The metrics a compiled call outputs first: lossSum, correct, invalidInputs, invalidTargets, then the user metrics (up to `end`). */
export const stepMetrics = (outs: readonly tf.Tensor[], end = outs.length): StepMetrics => ({
  lossSum: outs[0] as tf.Scalar,
  correct: outs[1] as tf.Scalar,
  invalidInputs: outs[2] as tf.Scalar,
  invalidTargets: outs[3] as tf.Scalar,
  extra: outs.slice(4, end) as tf.Scalar[],
})

/** The batch size of `logits` [N, C] as a graph value: a constant, or sum(fill(1, [N])) for a symbolic N. */
const batchCount = (logits: Node): Node => {
  const n = logits.shape[0]!
  return isKnown(n)
    ? mk('fill', [], { value: n }, [], 'float32')
    : mk('sum', [mk('fill', [], { value: 1 }, [n], 'float32')], { axes: [0], keepDims: false })
}

const scalar = (value: number): Node => mk('fill', [], { value }, [], 'float32')
const isBuffer = (p: Node<'param'>): boolean => p.attrs.trainable === false

/**
 * The buffer updates (e.g. batch norm's running statistics) of every node under `logits`, as each op's
 * module states them, by buffer leaf name. Throws when a buffer is not a non-trainable param leaf, or is
 * updated by more than one node.
 */
const runningUpdates = (logits: Node): Map<string, Node> => {
  const updates = new Map<string, Node>()
  for (const n of topo([logits])) {
    for (const { buffer, what, update } of impl(n.op).bufferUpdates?.(n) ?? []) {
      if (buffer.op !== 'param' || !isBuffer(buffer as Node<'param'>))
        throw new TrainCompileError(`${n.op}#${n.id}'s ${what} must be a non-trainable param leaf, got ${buffer.op}`)
      const name = leafName(buffer)
      if (updates.has(name)) throw new TrainCompileError(`buffer '${name}' is the ${what} of more than one ${n.op}`)
      updates.set(name, update)
    }
  }
  return updates
}

/**
 * Compiles the training step of a classifier for `opts.backend` (the active tfjs backend).
 * Throws `TrainCompileError` when the spec does not fit together.
 *
 * @example
 * const logits = lenet(input('x', ['N', 1, 28, 28])).node
 * const program = compileTraining({ logits, labels: intInput('y', ['N']).node, optimizer: sgd(0.9), params: flatParams }, { backend: tf.getBackend() })
 * const { lossSum, correct } = program.step(x, y) // device scalars; params already updated
 */
export const compileTraining = (spec: TrainProgramSpec, opts: { readonly backend: string } & LowerExtras): TrainProgram => {
  const { logits, labels, optimizer } = spec
  const lossGraph = spec.loss ?? crossEntropy
  const extraMetrics = spec.metrics ?? []
  const runKey = spec.key ?? key(0)
  if (labels.op !== 'input') throw new TrainCompileError(`the targets must be an input leaf, got ${labels.op}`)
  const forward = graphOf([logits])
  const images = forward.inputs.filter((n) => n !== labels)
  if (images.length !== 1) throw new TrainCompileError(`logits must depend on exactly one data input, found ${images.map(leafName).join(', ') || 'none'}`)
  const xName = leafName(images[0]!)
  const yName = leafName(labels)
  const params = forward.params.filter((p) => !isBuffer(p))
  const buffers = forward.params.filter(isBuffer)
  const hostParams = params.map((p) => checkHost(`param '${p.attrs.name}'`, p.shape, spec.params[p.attrs.name]))
  const hostBuffers = buffers.map((p) => checkHost(`buffer '${p.attrs.name}'`, p.shape, spec.params[p.attrs.name]))
  const bufferUpdates = runningUpdates(logits)
  // buffers no batch norm updates keep their values (no output)
  const updatedBuffers = buffers.filter((b) => bufferUpdates.has(leafName(b)))

  // The step graph: metrics, then new params, then new state (param-major, slot order), then new buffers.
  const metricsOf = (out: Node) => scoreGraph(images[0]!, out, labels, lossGraph, extraMetrics)
  const { loss, lossSum, correct, extra, invalidInputs, invalidTargets } = metricsOf(logits)
  const grads = grad(loss, params)
  const stepLeaf = mk('input', [], { name: STEP_INPUT, dtype: 'float32' }, [], 'float32')
  const slotLeaves = params.map((p) =>
    optimizer.slots.map((s) => mk('param', [], { name: `${p.attrs.name}@${s}`, init: 'zeros', fanIn: p.attrs.fanIn, fanOut: p.attrs.fanOut }, p.shape, 'float32')),
  )
  const updates = params.map((p, i) => optimizer.update(p, grads[i]!, slotLeaves[i]!, stepLeaf))
  const stateLeaves = slotLeaves.flat()
  const roots = [lossSum, correct, invalidInputs, invalidTargets, ...extra, ...updates.map((u) => u.param), ...updates.flatMap((u) => u.state), ...updatedBuffers.map((b) => bufferUpdates.get(leafName(b))!)]
  const labelsOut = ['lossSum', 'correct', 'invalidInputs', 'invalidTargets', ...extraMetrics.map((m) => m.name), ...params.map(leafName), ...stateLeaves.map(leafName), ...updatedBuffers.map(leafName)]
  const nMetrics = 4 + extra.length
  const fusion = { activations: fusedActivations(opts.backend) }
  const optimized = optimize(roots, { fusion })
  const trainFn: LoweredFunction = lower(optimized, opts)
  const inferenceOut = inferenceForm([logits])[0]!
  const inference = metricsOf(inferenceOut)
  const evalFn: LoweredFunction = lower(optimize([inference.lossSum, inference.correct, inference.invalidInputs, inference.invalidTargets, ...inference.extra], { fusion }), opts)
  // lowered on first use: many programs never predict
  let predictFn: LoweredFunction | undefined
  const usesStep = graphOf(optimized).inputs.some((n) => leafName(n) === STEP_INPUT)

  // tidy frees each initial value once its variable holds the data (variables are not tidied)
  const variableOf = (make: () => tf.Tensor) => tf.tidy(() => tf.variable(make(), false))
  const paramVars = params.map((p, i) => variableOf(() => tf.tensor(hostParams[i]!.data, [...(p.shape as number[])])))
  const stateVars = stateLeaves.map((s) => variableOf(() => tf.zeros([...(s.shape as number[])])))
  const bufferVars = buffers.map((b, i) => variableOf(() => tf.tensor(hostBuffers[i]!.data, [...(b.shape as number[])])))
  // in output order after the metrics: what `step` reassigns
  const variables = [...paramVars, ...stateVars, ...updatedBuffers.map((b) => bufferVars[buffers.indexOf(b)]!)]
  const allVariables = [...paramVars, ...stateVars, ...bufferVars]
  const modelLeaves = [...params, ...buffers]
  const modelVars = [...paramVars, ...bufferVars]
  const feedParams = (): Record<string, tf.Tensor> =>
    Object.fromEntries([...modelLeaves.map((p, i) => [p.attrs.name, modelVars[i]!]), ...stateLeaves.map((s, i) => [leafName(s), stateVars[i]!])])
  let stepCount = 0

  const metrics = (outs: readonly tf.Tensor[]): StepMetrics => stepMetrics(outs, nMetrics)

  return {
    step: (x, y) => {
      checkBatch('step', { inputs: x, targets: y })
      // the 1-based step count is uploaded (never read back) only for optimizers that use it
      const count = usesStep ? tf.scalar(stepCount + 1) : undefined
      const outs = (() => {
        try {
          return trainFn({ inputs: { [xName]: x, [yName]: y, ...(count ? { [STEP_INPUT]: count } : {}) }, params: feedParams(), key: foldIn(runKey, String(stepCount)) })
        } finally {
          count?.dispose()
        }
      })()
      stepCount++
      // assign shares the new buffer with the variable (no copy); then our handle can go
      const fresh = outs.slice(nMetrics)
      fresh.forEach((t, i) => variables[i]!.assign(t))
      tf.dispose(fresh)
      return metrics(outs)
    },
    evaluate: (x, y) => {
      checkBatch('evaluate', { inputs: x, targets: y })
      return metrics(evalFn({ inputs: { [xName]: x, [yName]: y }, params: feedParams() }))
    },
    predict: (x) => {
      checkBatch('predict', { inputs: x })
      predictFn ??= lower(optimize([inferenceOut], { fusion }), opts)
      return predictFn({ inputs: { [xName]: x }, params: feedParams() })[0]!
    },
    hasAccuracy: lossGraph.correct !== undefined,
    metricNames: extraMetrics.map((m) => m.name),
    read: async () => {
      const host = async (v: tf.Variable): Promise<Tensor> => ({ shape: [...v.shape], data: new Float32Array(await v.data<'float32'>()) })
      const entries = async (names: readonly string[], vs: readonly tf.Variable[]) =>
        Object.fromEntries(await Promise.all(names.map(async (n, i) => [n, await host(vs[i]!)] as const)))
      return { params: await entries(modelLeaves.map(leafName), modelVars), state: await entries(stateLeaves.map(leafName), stateVars), step: stepCount }
    },
    load: (s) => {
      // a value this program has no place for is an error too: it would be silently dropped
      const known = new Set([...modelLeaves.map(leafName), ...stateLeaves.map(leafName)])
      const extra = [...Object.keys(s.params), ...Object.keys(s.state)].find((k) => !known.has(k))
      if (extra !== undefined) throw new TrainCompileError(`the state holds '${extra}', which this model does not have`)
      const incoming = [
        ...params.map((p) => checkHost(`param '${p.attrs.name}'`, p.shape, s.params[p.attrs.name])),
        ...stateLeaves.map((l) => checkHost(`optimizer state '${leafName(l)}'`, l.shape, s.state[leafName(l)])),
        ...buffers.map((b) => checkHost(`buffer '${b.attrs.name}'`, b.shape, s.params[b.attrs.name])),
      ]
      if (!Number.isInteger(s.step) || s.step < 0) throw new TrainCompileError(`step must be a non-negative integer, got ${s.step}`)
      incoming.forEach((t, i) => {
        const v = allVariables[i]!
        tf.tidy(() => v.assign(tf.tensor(t.data, v.shape)))
      })
      stepCount = s.step
    },
    printed: { before: printGraph(roots, { labels: labelsOut }), after: printGraph(optimized, { labels: labelsOut }) },
    dispose: () => {
      trainFn.dispose()
      evalFn.dispose()
      predictFn?.dispose()
      tf.dispose(allVariables)
    },
  }
}
