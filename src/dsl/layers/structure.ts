/** Layers that change the shape without parameters: flatten and reshape. */
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { FlattenFn } from '../../types/rules/dense.js'
import type { ReshapeFn } from '../../types/rules/reshape.js'
import type { Shape } from '../../types/shape.js'
import { type Layer, defineLayer, layerError } from '../layer.js'
import { mk } from '../node.js'
import { reshapeShape } from '../../ops/reshape.js'
import { dimProduct } from '../shape.js'

/**
 * Flattens all dims after the first: [N, ...rest] -> [N, product(rest)] (PyTorch's nn.Flatten).
 *
 * @example
 * flatten() // ['N', 16, 5, 5] -> ['N', 400]
 */
export const flatten = (): Layer<FlattenFn, Record<never, never>> =>
  defineLayer({
    kind: 'Flatten',
    describe: 'Flatten(start_dim=1, end_dim=-1)',
    params: {},
    outShape: (x) =>
      x.length === 0 ? layerError('flatten', 'flatten expects at least a 1-D input but got []', x) : E.right([x[0]!, dimProduct(x.slice(1))]),
    build: (x) => mk('reshape', [x], { shape: [x.shape[0]!, dimProduct(x.shape.slice(1))] }),
  })

/**
 * Reshapes to `shape` (one -1 is inferred); the element count must be kept.
 *
 * @example
 * reshape([-1, 400]) // [256, 16, 5, 5] -> [256, 400]
 */
export const reshape = <const T extends Shape>(shape: T): Layer<ReshapeFn<T>, Record<never, never>> =>
  defineLayer({
    kind: 'Reshape',
    describe: `Reshape(${shape.join(', ')})`,
    params: {},
    outShape: (x) => pipe(reshapeShape(x, shape), E.map((r) => r.shape)),
    build: (x) => mk('reshape', [x], { shape }),
  })
