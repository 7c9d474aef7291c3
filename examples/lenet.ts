/**
 * LeNet-5 as in Dive into Deep Learning ch. 6.6. The model itself is written in src/dsl/models.ts, nearly
 * line for line like the PyTorch seed:
 *
 *   sequential(['N', 1, 28, 28],
 *     conv2d(1, 6, { kernel: 5, padding: 2 }), sigmoid(), avgPool2d({ kernel: 2, stride: 2 }),
 *     conv2d(6, 16, { kernel: 5 }), sigmoid(), avgPool2d({ kernel: 2, stride: 2 }),
 *     flatten(), linear(mul(16, 5, 5), 120), sigmoid(), linear(120, 84), sigmoid(), linear(84, 10))
 *
 * Hover `lenet`: Sequential<readonly ["N", 1, 28, 28], readonly ["N", 10]>. Hover `y`: Expr<readonly ['N', 10]>.
 * `params[0].weight` is a Tensor of shape [6, 1, 5, 5] (typed per layer by `ChainParams<typeof layers>`).
 */
import { input, key } from '../src/dsl/index.js'
import { lenet } from './models.js'

export { lenet }

/** The model's expression tree on a symbolic batch (no kernel runs). */
export const y = lenet(input('x', ['N', 1, 28, 28]))

/** Parameters drawn from an explicit key: a plain tree of host tensors, one record per layer. */
export const params = lenet.init(key(0))
