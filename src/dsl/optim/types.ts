/**
 * The optimizer interface (Optax style): an optimizer is a pure value that BUILDS the update of one
 * parameter as IR nodes. The compiler (src/compile/train.ts) calls `update` once per parameter with the
 * parameter leaf, its gradient node, its state-slot leaves and the step leaf, and compiles the result
 * into the training step; nothing here runs a kernel.
 */
import { mk, type Node } from '../node.js'

/** A gradient-based optimizer, as a pure IR builder. */
export interface Optimizer {
  /** Human-readable, e.g. `adam(lr=0.001, b1=0.9, b2=0.999, eps=1e-8)`. */
  readonly name: string
  /** State slots kept per parameter, each of the parameter's shape, zeros at start: sgd [], momentum ['velocity'], adam ['m', 'v']. */
  readonly slots: readonly string[]
  /**
   * The update of one parameter.
   * @param p the parameter leaf (shape S)
   * @param g its gradient (shape S)
   * @param state the slot leaves, in `slots` order (shape S each; param nodes named `${p.name}@${slot}`, init 'zeros')
   * @param step the scalar float32 input '@step' holding the 1-based step count
   * @returns the new parameter value and the new slot values (same shapes, same order)
   */
  update(p: Node, g: Node, state: readonly Node[], step: Node): { readonly param: Node; readonly state: readonly Node[] }
}

/** A scalar float32 constant node (broadcasts against any shape in binary ops). */
export const scalar = (value: number): Node => mk('fill', [], { value }, [], 'float32')

/** Small builders so the update rules read like their formulas. */
export const add = (a: Node, b: Node): Node => mk('add', [a, b], {})
export const sub = (a: Node, b: Node): Node => mk('sub', [a, b], {})
export const mul = (a: Node, b: Node): Node => mk('mul', [a, b], {})
export const div = (a: Node, b: Node): Node => mk('div', [a, b], {})
export const sqrt = (a: Node): Node => mk('sqrt', [a], {})
export const square = (a: Node): Node => mk('square', [a], {})
export const exp = (a: Node): Node => mk('exp', [a], {})

/** Throws a RangeError unless `v` is a finite number satisfying `ok` (hyperparameters are checked when the optimizer is made). */
export const checkHyper = (opt: string, name: string, v: number, ok: (v: number) => boolean, want: string): void => {
  if (!Number.isFinite(v) || !ok(v)) throw new RangeError(`${opt}: ${name} must be ${want}, got ${v}`)
}

/** Throws when `state` does not hold one node per slot (a compiler bug, not user input). */
export const checkSlots = (opt: Optimizer, state: readonly Node[]): void => {
  if (state.length !== opt.slots.length) {
    throw new Error(`${opt.name}: expected ${opt.slots.length} state slots (${opt.slots.join(', ')}) but got ${state.length}`)
  }
}
