/** Data sources against models at compile time: examples that do not fit the model's input are a type error with the runtime's text. */
import { describe, expectTypeOf, it } from 'vitest'
import {
  type DataSource,
  arrays,
  evaluate,
  fashionMnist,
  fit,
  flatten,
  idxDirectory,
  key,
  linear,
  model,
  relu,
  sequential,
} from '../../src/index.js'
import type { CheckedData } from '../../src/runtime/api/fit.js'
import type { DataFit } from '../../src/types/rules/data.js'

const mlp784 = sequential(['N', 784], linear(784, 128), relu(), linear(128, 10))
const mlpImages = sequential(['N', 1, 28, 28], flatten(), linear(784, 10))

type Mismatch = 'ShapeError: the model expects examples [784] but the data has [1, 28, 28]'

describe('fit checks the data against the model', () => {
  it('fashion-mnist images do not fit a model over [N, 784]: the data option is the error text', () => {
    // @ts-expect-error the model expects examples [784] but the data has [1, 28, 28]
    void fit(mlp784, { data: fashionMnist() })
    expectTypeOf<CheckedData<typeof mlp784.inputShape, readonly [1, 28, 28]>>().toEqualTypeOf<Mismatch>()
    expectTypeOf<CheckedData<readonly ['N', 784], readonly [1, 28, 28]>>().toEqualTypeOf<Mismatch>()
    expectTypeOf<DataFit<['N', 784], readonly [1, 28, 28]>>().toEqualTypeOf<Mismatch>()
    // the fit's data parameter, for this model and this source, is exactly the text
    type DataOption<In extends readonly (number | string)[], S extends readonly (number | string)[]> = Parameters<typeof fit<In, unknown, unknown, S>>[1]['data']
    expectTypeOf<DataOption<readonly ['N', 784], readonly [1, 28, 28]>>().toEqualTypeOf<Mismatch>()
    // the source is not assignable to it
    expectTypeOf<ReturnType<typeof fashionMnist>>().not.toMatchTypeOf<Mismatch>()
  })

  it('a matching model and source compile, with the source type itself as the data option', () => {
    void fit(mlpImages, { data: fashionMnist(), epochs: 1 })
    void fit(mlp784, { data: arrays({ shape: [784], x: new Float32Array(784), y: new Int32Array(1) }) })
    void evaluate(mlpImages, mlpImages.init(key(0)), { data: fashionMnist() })
    expectTypeOf<CheckedData<readonly ['N', 1, 28, 28], readonly [1, 28, 28]>>().toEqualTypeOf<DataSource<readonly [1, 28, 28]>>()
    // a symbolic model dim accepts any size there
    expectTypeOf<CheckedData<readonly ['N', 1, 'H', 'W'], readonly [1, 28, 28]>>().toEqualTypeOf<DataSource<readonly [1, 28, 28]>>()
  })

  it('evaluate checks the same way', () => {
    // @ts-expect-error the model expects examples [784] but the data has [1, 28, 28]
    void evaluate(mlp784, mlp784.init(key(0)), { data: fashionMnist() })
  })

  it('other mismatches: rank, size, and a function model', () => {
    const fn = model(['N', 3, 4], (x) => linear(4, 2)(x))
    // @ts-expect-error the model expects examples [3, 4] but the data has [4, 3]
    void fit(fn, { data: arrays({ shape: [4, 3], x: [], y: [] }) })
    expectTypeOf<CheckedData<readonly ['N', 3, 4], readonly [4, 3]>>().toEqualTypeOf<'ShapeError: the model expects examples [3, 4] but the data has [4, 3]'>()
    expectTypeOf<CheckedData<readonly ['N', 784], readonly [784, 1]>>().toEqualTypeOf<'ShapeError: the model expects examples [784] but the data has [784, 1]'>()
  })

  it('a source whose shape is not literal is left to the runtime check', () => {
    void fit(mlp784, { data: {} as DataSource })
    // idxDirectory's default: [1, number, number] fits image models of any size, not [N, 784]
    void fit(mlpImages, { data: idxDirectory('./data') })
    expectTypeOf<CheckedData<readonly ['N', 784], readonly (number | string)[]>>().toEqualTypeOf<DataSource<readonly (number | string)[]>>()
  })
})
