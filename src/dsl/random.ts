/**
 * Random keys, as the DSL exposes them. They live in the IR core (src/ir/random.ts) because dropout's
 * mask, which op modules compute, is a function of a key.
 *
 * @example
 * uniform(key(0), 3, -1, 1) // the same 3 numbers every time
 */
export * from '../ir/random.js'
