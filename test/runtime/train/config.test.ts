/** Validation of the training configuration: defaults, coercion of CLI strings, and one issue per bad field. */
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { DEFAULT_RECIPE, type TrainError, validateConfig } from '../../../src/runtime/train/index.js'
import { RECIPES } from '../../../examples/models.js'

const issues = (r: E.Either<TrainError, unknown>) => {
  if (E.isRight(r) || r.left._tag !== 'ConfigInvalid') throw new Error('expected ConfigInvalid')
  return r.left.issues
}

describe('validateConfig', () => {
  it("fills the recipe's optimizer, lr and decay: the seed's for lenet, Adam for lenet-modern, Adam 1e-3 by default", () => {
    expect(validateConfig({ model: 'lenet' }, RECIPES.lenet)).toEqual(
      E.right({ model: 'lenet', optimizer: 'sgd', epochs: 10, lr: 0.9, lrDecay: 1, batchSize: 256, backend: 'auto', seed: 0, limit: undefined, out: undefined, resume: false, checkEvery: 0 }),
    )
    expect(validateConfig({})).toMatchObject(E.right({ model: 'model', optimizer: DEFAULT_RECIPE.optimizer, lr: DEFAULT_RECIPE.lr, lrDecay: 1, out: undefined }))
    expect(validateConfig({ model: 'lenet-modern' }, RECIPES['lenet-modern'])).toMatchObject(E.right({ optimizer: 'adam', lr: RECIPES['lenet-modern'].lr, lrDecay: RECIPES['lenet-modern'].lrDecay }))
    expect(validateConfig({ lrDecay: '0.5' })).toMatchObject(E.right({ lrDecay: 0.5 }))
    expect(issues(validateConfig({ lrDecay: '1.5' }))).toEqual([{ field: 'lr-decay', value: '1.5', problem: 'must be in (0, 1]' }])
    expect(validateConfig({ model: 'lenet-modern', optimizer: 'sgd', lr: '0.5' }, RECIPES['lenet-modern'])).toMatchObject(E.right({ optimizer: 'sgd', lr: 0.5 }))
  })

  it('accepts CLI strings and typed values alike', () => {
    expect(validateConfig({ epochs: '3', lr: '1e-2', batchSize: 64, seed: '7', limit: '600', resume: true, out: '/d' })).toMatchObject(
      E.right({ epochs: 3, lr: 0.01, batchSize: 64, seed: 7, limit: 600, resume: true, out: '/d' }),
    )
  })

  it('reports every invalid field at once, each with its value and the rule', () => {
    const r = validateConfig({ epochs: '0', lr: 'fast', batchSize: '2.5', backend: 'tpu', seed: -1, model: '', out: '', limit: 'all', checkEvery: '-2' })
    expect(issues(r)).toEqual([
      { field: 'model', value: '', problem: 'must be a non-empty name' },
      { field: 'epochs', value: '0', problem: 'must be >= 1' },
      { field: 'lr', value: 'fast', problem: 'must be a number' },
      { field: 'batch-size', value: '2.5', problem: 'must be an integer' },
      { field: 'backend', value: 'tpu', problem: 'must be one of auto, tensorflow-gpu, tensorflow, webgpu, wasm, cpu' },
      { field: 'seed', value: -1, problem: 'must be in 0..4294967295' },
      { field: 'limit', value: 'all', problem: 'must be an integer' },
      { field: 'out', value: '', problem: 'must be a non-empty path' },
      { field: 'check-every', value: '-2', problem: 'must be >= 0' },
    ])
    if (E.isLeft(r)) expect(r.left.message).toContain('--batch-size "2.5": must be an integer')
  })

  it('rejects non-finite and non-positive learning rates and unknown options', () => {
    expect(issues(validateConfig({ lr: 'Infinity' }))[0]!.problem).toBe('must be a finite number > 0')
    expect(issues(validateConfig({ lr: 0 }))[0]!.problem).toBe('must be a finite number > 0')
    expect(issues(validateConfig({ epocs: 3 } as never))).toEqual([{ field: 'epocs', value: 3, problem: 'unknown option' }])
    expect(issues(validateConfig({ resume: true }))).toEqual([{ field: 'resume', value: true, problem: 'needs --out, the directory of the checkpoint to resume from' }])
  })
})
