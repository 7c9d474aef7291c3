/** AvgPool2d and MaxPool2d (PyTorch's, NCHW; stride defaults to the kernel size). */
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { PoolFn } from '../../types/rules/conv2d.js'
import type { ToPair } from '../../types/rules/window.js'
import { type Layer, defineLayer } from '../layer.js'
import { mk } from '../node.js'
import type { PoolAttrs } from '../ops.js'
import { poolShape } from '../../ops/shared/pool.js'
import { needRank } from '../../ops/shared/shape-rules.js'
import type { RShape } from '../shape.js'
import { type PadOf, type Padding, type Size2, pad4, showPair, toPair } from './config.js'

/** Pooling options: PyTorch's names; `stride` defaults to `kernel`. */
export interface PoolConfig {
  readonly kernel: Size2
  readonly stride?: Size2
  readonly padding?: Padding
}

type Stride<C extends PoolConfig> = C['stride'] extends Size2 ? ToPair<C['stride'], 1> : ToPair<C['kernel'], 1>
/** The layer type of avgPool2d(C) / maxPool2d(C). */
export type Pool2d<Op extends 'avgPool2d' | 'maxPool2d', C extends PoolConfig> = Layer<
  PoolFn<Op, ToPair<C['kernel'], 1>, Stride<C>, PadOf<C['padding']>>,
  Record<never, never>
>

const pool = <Op extends 'avgPool2d' | 'maxPool2d', C extends PoolConfig>(op: Op, kind: string, config: C): Pool2d<Op, C> => {
  const k = toPair(config.kernel, 1)
  const s = config.stride === undefined ? k : toPair(config.stride, 1)
  const attrs = (x: RShape): PoolAttrs => ({ kernel: k, strides: s, layout: 'NCHW', pad: pad4(config.padding, k, s, [1, 1], x[2]!, x[3]!) })
  const pad = config.padding ?? 0
  return defineLayer({
    kind,
    describe: `${kind}(kernel_size=${showPair(k)}, stride=${showPair(s)}${pad !== 0 && pad !== 'valid' ? `, padding=${typeof pad === 'string' ? `'${pad}'` : showPair(toPair(pad, 0))}` : ''})`,
    params: {},
    outShape: (x) =>
      pipe(
        needRank(op, x, 4, '[N, C, H, W]'),
        E.chain(() => poolShape(op, x, attrs(x))),
        E.map((r) => r.shape),
      ),
    build: (x) => mk(op, [x], attrs(x.shape)),
  }) as unknown as Pool2d<Op, C>
}

/**
 * 2-D average pooling: [N, C, H, W] -> [N, C, H', W'] (padding is not counted in the average).
 *
 * @example
 * const p = avgPool2d({ kernel: 2, stride: 2 }) // ['N', 6, 28, 28] -> ['N', 6, 14, 14]
 */
export const avgPool2d = <const C extends PoolConfig>(config: C): Pool2d<'avgPool2d', C> => pool('avgPool2d', 'AvgPool2d', config)

/**
 * 2-D max pooling: [N, C, H, W] -> [N, C, H', W'].
 *
 * @example
 * const p = maxPool2d({ kernel: 2 }) // ['N', 6, 28, 28] -> ['N', 6, 14, 14]
 */
export const maxPool2d = <const C extends PoolConfig>(config: C): Pool2d<'maxPool2d', C> => pool('maxPool2d', 'MaxPool2d', config)
