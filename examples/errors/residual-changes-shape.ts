// expect line 15: ShapeError: residual block changes the shape [N, 64, 56, 56] to [N, 128, 28, 28]; give residual a projection
// A residual whose block downsamples needs a projection for the shortcut (ResNet's downsample).
import { batchNorm2d, chain, conv2d, relu, residual, sequential } from '../../src/dsl/index.js'

const down = residual(
  chain(
    conv2d(64, 128, { kernel: 3, stride: 2, padding: 1, bias: false }), batchNorm2d(128), relu(),
    conv2d(128, 128, { kernel: 3, padding: 1, bias: false }), batchNorm2d(128),
  ),
)

export const model = sequential(
  ['N', 64, 56, 56],
  relu(),
  down,
)
