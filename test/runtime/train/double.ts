/**
 * A test double of the compiler's TrainProgram (notes/train-api.md) for the training-loop tests: softmax
 * regression on the flattened image with SGD + momentum, written with plain tfjs ops. It ignores the spec's
 * graph but honours the contract: device scalars from step/evaluate, in-place updates, read/load of params,
 * optimizer state and the step counter.
 */
import * as tf from '@tensorflow/tfjs-core'
import { invalidCount } from '../../../src/ops/invalidCount.js'
import type { CompileTraining, ProgramState, StepMetrics, TrainProgram } from '../../../src/runtime/train/contract.js'
import { uniform, key } from '../../../src/dsl/random.js'

const D = 784
const C = 10

/** A CompileTraining that builds a softmax-regression program with learning rate `lr` and momentum `beta`. */
export const softmaxRegression =
  (lr: number, beta = 0.5): CompileTraining =>
  () => {
    const w = tf.variable(tf.tensor2d(uniform(key(1), D * C, -0.01, 0.01), [D, C]))
    const b = tf.variable(tf.zeros([C]))
    const vw = tf.variable(tf.zeros([D, C]))
    const vb = tf.variable(tf.zeros([C]))
    let step = 0
    const forward = (x: tf.Tensor, y: tf.Tensor) => {
      const n = x.shape[0]!
      const logits = tf.add(tf.matMul(tf.reshape(x, [n, D]), w), b)
      const onehot = tf.oneHot(y as tf.Tensor1D, C)
      const logp = tf.logSoftmax(logits)
      const lossSum = tf.neg(tf.sum(tf.mul(onehot, logp))) as tf.Scalar
      const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'float32')) as tf.Scalar
      return { n, logits, onehot, lossSum, correct }
    }
    // the compiled step's data checks, computed as the real program does
    const checks = (x: tf.Tensor, y: tf.Tensor) => ({
      invalidInputs: invalidCount(x, { check: 'nonFinite' }) as tf.Scalar,
      invalidTargets: invalidCount(y, { check: 'classRange', classes: C }) as tf.Scalar,
    })
    const program: TrainProgram = {
      step: (x, y): StepMetrics =>
        tf.tidy(() => {
          const { n, logits, onehot, lossSum, correct } = forward(x, y)
          const dlogits = tf.div(tf.sub(tf.softmax(logits), onehot), n)
          const gw = tf.matMul(tf.reshape(x, [n, D]), dlogits, true, false)
          const gb = tf.sum(dlogits, 0)
          vw.assign(tf.add(tf.mul(beta, vw), gw))
          vb.assign(tf.add(tf.mul(beta, vb), gb))
          w.assign(tf.sub(w, tf.mul(lr, vw)))
          b.assign(tf.sub(b, tf.mul(lr, vb)))
          step++
          return { lossSum, correct, extra: [], ...checks(x, y) }
        }),
      evaluate: (x, y) =>
        tf.tidy(() => {
          const { lossSum, correct } = forward(x, y)
          return { lossSum, correct, extra: [], ...checks(x, y) }
        }),
      predict: (x) => tf.tidy(() => tf.add(tf.matMul(tf.reshape(x, [x.shape[0]!, D]), w), b)),
      hasAccuracy: true,
      metricNames: [],
      read: async (): Promise<ProgramState> => {
        const host = async (t: tf.Tensor) => ({ shape: t.shape, data: (await t.data()) as Float32Array })
        return { params: { w: await host(w), b: await host(b) }, state: { 'w@velocity': await host(vw), 'b@velocity': await host(vb) }, step }
      },
      load: (s) => {
        const set = (v: tf.Variable, name: string, from: Record<string, { shape: readonly (number | string)[]; data: Float32Array }>) =>
          v.assign(tf.tensor(from[name]!.data, v.shape))
        set(w, 'w', s.params)
        set(b, 'b', s.params)
        set(vw, 'w@velocity', s.state)
        set(vb, 'b@velocity', s.state)
        step = s.step
      },
      printed: { before: '', after: '' },
      dispose: () => {
        tf.dispose([w, b, vw, vb])
      },
    }
    return program
  }

/** A program whose every method throws after `n` steps (a crash mid-epoch). */
export const crashingAfter =
  (n: number, inner: CompileTraining): CompileTraining =>
  (spec, opts) => {
    const p = inner(spec, opts)
    let steps = 0
    return {
      ...p,
      step: (x, y) => {
        if (++steps > n) throw new Error(`simulated crash at step ${steps}`)
        return p.step(x, y)
      },
    }
  }
