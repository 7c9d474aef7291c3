/** The Linear layer (PyTorch's nn.Linear: y = x W^T + b, weight [out, in]). */
import * as E from 'fp-ts/lib/Either.js'
import type { LinearFn } from '../../types/rules/dense.js'
import { type Layer, defineLayer, layerError } from '../layer.js'
import { mk } from '../node.js'
import type { Initializer } from '../ops.js'
import { showShape } from '../shape.js'
import type { Lit } from './config.js'

/** Linear options. */
export interface LinearConfig {
  /** Add a learned bias (default true). */
  readonly bias?: boolean
  /** Weight initializer (default xavierUniform, as d2l's LeNet); the bias uses PyTorch's default. */
  readonly init?: Initializer
}

/** The parameter shapes of linear(I, O, C). */
export type LinearParams<I extends number, O extends number, C extends LinearConfig> = C['bias'] extends false
  ? { readonly weight: readonly [O, I] }
  : { readonly weight: readonly [O, I]; readonly bias: readonly [O] }

/** The layer type of linear(I, O, C). */
export type Linear<I extends number, O extends number, C extends LinearConfig = {}> = Layer<LinearFn<I, O>, LinearParams<I, O, C>>

/**
 * Dense layer: [..., I] -> [..., O]. Parameters: weight [O, I], bias [O].
 *
 * @example
 * const fc = linear(mul(16, 5, 5), 120) // ['N', 400] -> ['N', 120]
 */
export const linear = <const I extends number, const O extends number, const C extends LinearConfig = {}>(
  inFeatures: Lit<I, 'linear in_features'>,
  outFeatures: Lit<O, 'linear out_features'>,
  config?: C,
): Linear<I, O, C> => {
  const [fin, fout] = [inFeatures as number, outFeatures as number]
  const bias = config?.bias !== false
  return defineLayer({
    kind: 'Linear',
    describe: `Linear(in_features=${fin}, out_features=${fout}, bias=${bias ? 'True' : 'False'})`,
    params: {
      weight: { shape: [fout, fin] as const, init: config?.init ?? 'xavierUniform', fanIn: fin, fanOut: fout },
      ...(bias ? { bias: { shape: [fout] as const, init: 'torchDefault' as const, fanIn: fin, fanOut: fout } } : {}),
    },
    outShape: (x) => {
      const f = x[x.length - 1]
      if (x.length === 0) return layerError('linear', `linear expects an input [..., ${fin}] but got a scalar`, x)
      if (typeof f === 'number' && f !== fin) return layerError('linear', `linear expects ${fin} input features but got ${f}`, x)
      return E.right([...x.slice(0, -1), fout])
    },
    build: (x, p) => {
      const flat = x.shape.length === 2 ? x : mk('reshape', [x], { shape: [-1, fin] })
      const y0 = mk('matMul', [flat, p.weight], { transposeA: false, transposeB: true })
      const b = (p as { bias?: typeof p.weight }).bias
      const y = b ? mk('add', [y0, b], {}) : y0
      return x.shape.length === 2 ? y : mk('reshape', [y], { shape: [...x.shape.slice(0, -1), fout] })
    },
  }) as unknown as Linear<I, O, C>
}

export { showShape }
