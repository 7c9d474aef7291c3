// expect line 11: ShapeError: linear expects 120 input features but got 84
// typegrad's flow of layers inside model(...): the model's input shape reaches the flow, so the layer that does not fit is reported.
import { flatten, flow, linear, model, relu } from '../../src/dsl/index.js'

export const mlp = model(
  ['N', 1, 28, 28],
  flow(
    flatten(),
    linear(784, 120), relu(),
    linear(120, 84), relu(),
    linear(120, 10),
  ),
)
