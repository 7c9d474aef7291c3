// expect line 11: ShapeError: linear expects 100 input features but got 784
// Direct calls f3(f2(f1(x))): the argument that does not fit is reported, with the text; f3 passes the error on.
import { flatten, input, linear, relu } from '../../src/dsl/index.js'

const f1 = flatten()
const f2 = linear(100, 10)
const f3 = relu()

export const y = f3(
  f2(
    f1(input('x', ['N', 1, 28, 28])),
  ),
)
