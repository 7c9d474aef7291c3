/** The Conv2d layer (PyTorch's nn.Conv2d, NCHW, filter [out, in, kh, kw]). */
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { Conv2dFn } from '../../types/rules/conv2d.js'
import type { ToPair } from '../../types/rules/window.js'
import { type Layer, defineLayer } from '../layer.js'
import { mk } from '../node.js'
import type { ConvAttrs, Initializer } from '../ops.js'
import { conv2dShape } from '../../ops/conv2d.js'
import { needRank } from '../../ops/shared/shape-rules.js'
import type { RShape } from '../shape.js'
import { type Lit, type PadOf, type Padding, type Size2, pad4, showPair, toPair } from './config.js'

/** Conv2d options: PyTorch's names. */
export interface Conv2dConfig {
  readonly kernel: Size2
  readonly stride?: Size2
  readonly padding?: Padding
  readonly dilation?: Size2
  /** Add a learned bias (default true). */
  readonly bias?: boolean
  /** Weight initializer (default xavierUniform, as d2l's LeNet); the bias uses PyTorch's default. */
  readonly init?: Initializer
}

type K<C extends Conv2dConfig> = ToPair<C['kernel'], 1>
/** The parameter shapes of conv2d(I, O, C). */
export type Conv2dParams<I extends number, O extends number, C extends Conv2dConfig> = C['bias'] extends false
  ? { readonly weight: readonly [O, I, K<C>[0], K<C>[1]] }
  : { readonly weight: readonly [O, I, K<C>[0], K<C>[1]]; readonly bias: readonly [O] }

/** The layer type of conv2d(I, O, C). */
export type Conv2d<I extends number, O extends number, C extends Conv2dConfig> = Layer<
  Conv2dFn<I, O, K<C>, ToPair<C['stride'], 1>, PadOf<C['padding']>, ToPair<C['dilation'], 1>>,
  Conv2dParams<I, O, C>
>

/**
 * 2-D convolution: [N, I, H, W] -> [N, O, H', W'], H' = floor((H + 2P - D(K-1) - 1) / S) + 1.
 * Parameters: weight [O, I, KH, KW], bias [O].
 *
 * @example
 * const c1 = conv2d(1, 6, { kernel: 5, padding: 2 }) // ['N', 1, 28, 28] -> ['N', 6, 28, 28]
 */
export const conv2d = <const I extends number, const O extends number, const C extends Conv2dConfig>(
  inChannels: Lit<I, 'conv2d in_channels'>,
  outChannels: Lit<O, 'conv2d out_channels'>,
  config: C,
): Conv2d<I, O, C> => {
  const [cin, cout] = [inChannels as number, outChannels as number]
  const k = toPair(config.kernel, 1)
  const s = toPair(config.stride, 1)
  const d = toPair(config.dilation, 1)
  const attrs = (x: RShape): ConvAttrs => ({ strides: s, dilations: d, layout: 'NCHW', pad: pad4(config.padding, k, s, d, x[2]!, x[3]!) })
  const fanIn = cin * k[0] * k[1]
  const bias = config.bias !== false
  const pad = config.padding ?? 0
  const extra = [
    s[0] !== 1 || s[1] !== 1 ? `, stride=${showPair(s)}` : '',
    pad !== 0 && pad !== 'valid' ? `, padding=${typeof pad === 'string' ? `'${pad}'` : showPair(toPair(pad, 0))}` : '',
    d[0] !== 1 || d[1] !== 1 ? `, dilation=${showPair(d)}` : '',
    bias ? '' : ', bias=False',
  ].join('')
  const weightShape = [cout, cin, k[0], k[1]] as const
  return defineLayer({
    kind: 'Conv2d',
    describe: `Conv2d(${cin}, ${cout}, kernel_size=${showPair(k)}${extra})`,
    params: {
      weight: { shape: weightShape, init: config.init ?? 'xavierUniform', fanIn, fanOut: cout * k[0] * k[1] },
      ...(bias ? { bias: { shape: [cout] as const, init: 'torchDefault' as const, fanIn, fanOut: cout } } : {}),
    },
    outShape: (x) =>
      pipe(
        needRank('conv2d', x, 4, '[N, C, H, W]'),
        E.chain(() => conv2dShape(x, weightShape, attrs(x))),
        E.map((r) => r.shape),
      ),
    build: (x, p) => {
      const y = mk('conv2d', [x, p.weight], attrs(x.shape))
      const b = (p as { bias?: typeof p.weight }).bias
      return b ? mk('add', [y, mk('reshape', [b], { shape: [1, cout, 1, 1] })], {}) : y
    },
  }) as unknown as Conv2d<I, O, C>
}
