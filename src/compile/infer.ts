/**
 * A model's inference form compiled for prediction and evaluation, without the training machinery
 * (no gradients, no optimizer, no variables): what `predict` and `evaluate` run. Parameters are uploaded
 * once and kept until `dispose()`.
 */
import * as tf from '@tensorflow/tfjs-core'
import type { Loss, Metric } from '../dsl/losses.js'
import { type Node, mk } from '../dsl/node.js'
import type { Tensor } from '../dsl/tensor.js'
import { graphOf } from './graph.js'
import { type LoweredFunction, fusedActivations, lower } from './lower.js'
import { inferenceForm } from './modes.js'
import { optimize } from './pipeline.js'
import { type StepMetrics, TrainCompileError, checkBatch, scoreGraph, stepMetrics } from './train.js'

/** What an inference program needs: the model's output on its one data input, and the param values by leaf name. */
export interface InferenceSpec {
  readonly output: Node
  readonly params: Readonly<Record<string, Tensor>>
  /** For `evaluate`: the loss and metrics, and the targets' dtype and shape (per batch). */
  readonly score?: { readonly loss: Loss; readonly metrics: readonly Metric[] }
}

/** A compiled inference program. */
export interface InferenceProgram {
  /** The output for a batch of inputs (the caller disposes it). */
  predict(x: tf.Tensor): tf.Tensor
  /** Summed loss, correct count and metric sums for a batch (needs `score`; the caller disposes them). */
  evaluate(x: tf.Tensor, y: tf.Tensor): StepMetrics
  dispose(): void
}

const leafName = (n: Node): string => (n.attrs as { name: string }).name

/**
 * Compiles the inference form of `spec.output` for `opts.backend` (the active tfjs backend). Throws
 * `TrainCompileError` for a missing or misshapen param value.
 *
 * @example
 * const p = compileInference({ output: traceModel(mlp), params: flattenParams(params) }, { backend: tf.getBackend() })
 * const y = p.predict(x) // [N, 10]
 */
export const compileInference = (spec: InferenceSpec, opts: { readonly backend: string }): InferenceProgram => {
  const [out] = inferenceForm([spec.output])
  const g = graphOf([out!])
  if (g.inputs.length !== 1) throw new TrainCompileError(`the model must depend on exactly one data input, found ${g.inputs.map(leafName).join(', ') || 'none'}`)
  const x = g.inputs[0]!
  const fusion = { activations: fusedActivations(opts.backend) }
  const uploaded = Object.fromEntries(
    g.params.map((p) => {
      const t = spec.params[p.attrs.name]
      const want = p.shape as readonly number[]
      if (t === undefined) throw new TrainCompileError(`no value for param '${p.attrs.name}'`)
      if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i]) || t.data.length !== want.reduce((a, d) => a * d, 1))
        throw new TrainCompileError(`param '${p.attrs.name}' has shape [${want.join(', ')}] but the value has shape [${t.shape.join(', ')}]`)
      return [p.attrs.name, tf.tensor(t.data, [...want])]
    }),
  )
  const predictFn = lower(optimize([out!], { fusion }), opts)
  let evalFn: { readonly f: LoweredFunction; readonly y: string; readonly metrics: number } | undefined
  const evaluator = (y: tf.Tensor) => {
    if (evalFn !== undefined) return evalFn
    if (spec.score === undefined) throw new TrainCompileError('evaluate needs a loss')
    const target = mk('input', [], { name: '@target', dtype: spec.score.loss.target.dtype }, spec.score.loss.target.shape(out!.shape), spec.score.loss.target.dtype)
    if (y.dtype !== target.dtype) throw new TrainCompileError(`${spec.score.loss.name} expects ${target.dtype} targets but got ${y.dtype}`)
    const s = scoreGraph(x, out!, target, spec.score.loss, spec.score.metrics)
    evalFn = { f: lower(optimize([s.lossSum, s.correct, s.invalidInputs, s.invalidTargets, ...s.extra], { fusion }), opts), y: '@target', metrics: s.extra.length }
    return evalFn
  }
  return {
    predict: (t) => {
      checkBatch('predict', { inputs: t })
      return predictFn({ inputs: { [x.attrs.name]: t }, params: uploaded })[0]!
    },
    evaluate: (t, y) => {
      checkBatch('evaluate', { inputs: t, targets: y })
      const e = evaluator(y)
      return stepMetrics(e.f({ inputs: { [x.attrs.name]: t, [e.y]: y }, params: uploaded }))
    },
    dispose: () => {
      predictFn.dispose()
      evalFn?.f.dispose()
      tf.dispose(Object.values(uploaded))
    },
  }
}
