/**
 * Layer normalization as PyTorch's nn.LayerNorm / F.layer_norm: over the trailing dims, with the biased
 * variance, then scaled by gamma and shifted by beta (elementwise over the normalized dims).
 *
 * Built as a composition of existing ops (mean, sub, square, add, sqrt, div, mul), not a dedicated op: its
 * gradient, its lowering on every backend, folding and the ONNX export (ReduceMean, Sub, Mul, Sqrt, Div,
 * Add, valid in every opset the exporter writes, 13..21) are those ops'. A dedicated op (ONNX's
 * LayerNormalization, opset 17 on, and one fused kernel) would be faster; not done yet.
 */
import * as E from 'fp-ts/lib/Either.js'
import type { LayerNormFn } from '../../types/rules/reduce.js'
import { type Layer, defineLayer, layerError } from '../layer.js'
import { type Node, mk } from '../node.js'
import { ShapeError, showShape } from '../shape.js'
import type { Lit } from './config.js'

/**
 * The layerNorm of x over its last gamma.rank dims: (x - mean) / sqrt(var + eps) * gamma + beta, mean and
 * (biased) var over those dims. Throws the type-level ShapeError texts when x does not end with gamma's
 * shape or beta's shape is not gamma's.
 *
 * @example layerNormNode(h, gamma, beta, 1e-5) // ['N', 16, 64] with gamma, beta [64]
 */
export const layerNormNode = (x: Node, gamma: Node, beta: Node, eps: number): Node => {
  const g = gamma.shape
  const k = g.length
  const agree = (a: unknown, b: unknown) => typeof a !== 'number' || typeof b !== 'number' || a === b
  if (x.shape.length < k || !g.every((d, i) => agree(x.shape[x.shape.length - k + i], d)))
    throw new ShapeError('layerNorm', `layerNorm expects normalized shape ${showShape(g)} at the end of ${showShape(x.shape)}`, [x.shape, g])
  if (beta.shape.length !== k || !g.every((d, i) => agree(beta.shape[i], d)))
    throw new ShapeError('layerNorm', `layerNorm expects beta ${showShape(g)} but got ${showShape(beta.shape)}`, [g, beta.shape])
  const axes = g.map((_, i) => x.shape.length - k + i)
  const centered = mk('sub', [x, mk('mean', [x], { axes, keepDims: true })], {})
  const variance = mk('mean', [mk('square', [centered], {})], { axes, keepDims: true })
  const std = mk('sqrt', [mk('add', [variance, mk('fill', [], { value: eps }, [], 'float32')], {})], {})
  return mk('add', [mk('mul', [mk('div', [centered, std], {}), gamma], {}), beta], {})
}

/** The layer type of layerNorm(D). */
export type LayerNorm<D extends number> = Layer<LayerNormFn<D>, { readonly gamma: readonly [D]; readonly beta: readonly [D] }>

/**
 * Layer normalization over the last dim: [..., D] -> [..., D], as PyTorch's nn.LayerNorm(D) (eps 1e-5,
 * elementwise affine). Parameters gamma [D] (ones) and beta [D] (zeros). The last dim must be D: the
 * same ShapeError text in the types and at run time.
 *
 * @example
 * sequential(input, linear(784, 64), layerNorm(64), relu())
 */
export const layerNorm = <const D extends number>(dim: Lit<D, 'layerNorm normalized_shape'>, eps = 1e-5): LayerNorm<D> => {
  const d = dim as number
  return defineLayer({
    kind: 'LayerNorm',
    describe: `LayerNorm((${d},), eps=${eps}, elementwise_affine=True)`,
    params: {
      gamma: { shape: [d] as const, init: 'ones', fanIn: d, fanOut: d },
      beta: { shape: [d] as const, init: 'zeros', fanIn: d, fanOut: d },
    },
    outShape: (x) => {
      const last = x[x.length - 1]
      return x.length === 0
        ? layerError('layerNorm', `layerNorm expects an input [..., ${d}] but got []`, x)
        : typeof last === 'number' && last !== d
          ? layerError('layerNorm', `layerNorm expects last dim ${d} but got ${last}`, x)
          : E.right(x)
    },
    build: (x, p) => layerNormNode(x, p.gamma, p.beta, eps),
  }) as unknown as LayerNorm<D>
}
