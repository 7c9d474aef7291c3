// expect line 29: ShapeError: globalAvgPool expects a 4-D input [N, C, H, W] but got [N, 512]
// A layer defined by the user with defineLayer and a type-level rule reports its own text, as the built-in ones do.
import * as E from 'fp-ts/lib/Either.js'
import { type Layer, ShapeError, defineLayer, flatten, linear, mk, sequential, showShape } from '../../src/dsl/index.js'
import type { In, ShapeErr, ShapeFn, ShowShape } from '../../src/types/index.js'

interface GlobalAvgPoolFn extends ShapeFn {
  readonly out: In<this> extends readonly [infer N, infer C, infer _H, infer _W]
    ? readonly [N, C]
    : ShapeErr<`globalAvgPool expects a 4-D input [N, C, H, W] but got ${ShowShape<In<this>>}`>
}

const globalAvgPool = (): Layer<GlobalAvgPoolFn, Record<never, never>> =>
  defineLayer({
    kind: 'GlobalAvgPool',
    describe: 'GlobalAvgPool()',
    params: {},
    outShape: (x) =>
      x.length === 4
        ? E.right([x[0]!, x[1]!])
        : E.left(new ShapeError('globalAvgPool', `globalAvgPool expects a 4-D input [N, C, H, W] but got ${showShape(x)}`, [x])),
    build: (x) => mk('mean', [x], { axes: [2, 3], keepDims: false }),
  })

export const model = sequential(
  ['N', 512, 7, 7],
  flatten(),
  linear(25088, 512),
  globalAvgPool(),
)
