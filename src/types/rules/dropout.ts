/** The type-level rule of dropout's rate. */
import type { ShapeErr } from '../shape.js'

/**
 * A literal dropout rate in [0, 1) is itself; another literal is the runtime's ShapeError text; a rate
 * known only as `number` is checked at run time.
 *
 * @example
 * type R = DropoutRate<0.5> // 0.5
 * type E = DropoutRate<1>   // 'ShapeError: dropout rate must be in [0, 1) but got 1'
 */
export type DropoutRate<R extends number> = number extends R
  ? R
  : `${R}` extends `-${string}`
    ? ShapeErr<`dropout rate must be in [0, 1) but got ${R}`>
    : `${R}` extends '0' | `0.${string}` | `${number}e-${number}`
      ? R
      : ShapeErr<`dropout rate must be in [0, 1) but got ${R}`>
