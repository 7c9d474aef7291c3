/**
 * The seed's LeNet as a plain function composition: fp-ts `pipe` over an input expression.
 * Each layer is a value; calling it on an expression builds IR nodes with parameter leaves named after
 * the layer (`conv2d0.weight`, ...). Hover `logits`: Expr<readonly ['N', 10]>. A layer that does not fit the
 * shape reaching it is the error, on that layer, with the ShapeError text (examples/errors/pipe-middle-layer.ts,
 * pipe-last-layer.ts); `flow` (typegrad's) composes the same layers without an input.
 */
import { pipe } from 'fp-ts/lib/function.js'
import { type Expr, avgPool2d, conv2d, flatten, input, linear, mul, sigmoid } from '../src/dsl/index.js'

const c1 = conv2d(1, 6, { kernel: 5, padding: 2 }).named('c1')
const c2 = conv2d(6, 16, { kernel: 5 }).named('c2')
const f1 = linear(mul(16, 5, 5), 120).named('f1')
const f2 = linear(120, 84).named('f2')
const f3 = linear(84, 10).named('f3')
const pool = avgPool2d({ kernel: 2, stride: 2 })
const act = sigmoid()

/** LeNet as a function from a batch of images to logits. */
export const lenetFn = (x: Expr<readonly ['N', 1, 28, 28]>) =>
  pipe(x, c1, act, pool, c2, act, pool, flatten(), f1, act, f2, act, f3)

/** The expression tree on a symbolic batch. */
export const logits = lenetFn(input('x', ['N', 1, 28, 28]))
