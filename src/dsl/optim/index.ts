/**
 * Optimizers as pure values that build IR (Optax style): `sgd`, `momentum`, `adam`.
 *
 * @example
 * import { adam } from './optim/index.js'
 * const opt = adam(1e-3) // opt.slots: ['m', 'v']; the compiler calls opt.update per parameter
 */
export type { Optimizer } from './types.js'
export { sgd } from './sgd.js'
export { momentum } from './momentum.js'
export { adam, type AdamOptions } from './adam.js'
export { type Schedule, type LearningRate, exponentialDecay, lrAt } from './schedule.js'
