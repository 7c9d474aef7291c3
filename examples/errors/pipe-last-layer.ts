// expect line 11: ShapeError: linear expects 100 input features but got 84
// fp-ts pipe, a wrong LAST layer: an error too (the result is not silently the error text).
import { pipe } from 'fp-ts/lib/function.js'
import { flatten, input, linear, relu } from '../../src/dsl/index.js'

export const logits = pipe(
  input('x', ['N', 1, 28, 28]),
  flatten(),
  linear(784, 120), relu(),
  linear(120, 84), relu(),
  linear(100, 10),
)
