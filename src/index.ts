/**
 * typegrad: a functional TypeScript tensor DSL with shapes in the type system, compiled to TensorFlow.js.
 *
 * @example
 * import { sequential, conv2d, sigmoid, input, key } from 'typegrad'
 * const model = sequential(['N', 1, 28, 28], conv2d(1, 6, { kernel: 5, padding: 2 }), sigmoid())
 * const y = model(input('x', ['N', 1, 28, 28]))   // Expr<readonly ['N', 6, 28, 28]>
 */
export * from './dsl/index.js'
export { sgd, momentum, adam, type Optimizer } from './dsl/optim/index.js'
export { lenet, lenetModern, models } from './dsl/models.js'
export * as compile from './compile/index.js'
export * as runtime from './runtime/index.js'
export type * as types from './types/index.js'
