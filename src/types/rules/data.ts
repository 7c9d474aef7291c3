/**
 * Whether a dataset's examples fit a model's input: the model takes batches `[N, ...E]`, the data holds
 * examples of shape `S`; the type is `S` itself when they agree and the `ShapeError` text of the runtime
 * check (src/runtime/train/model.ts `checkData`) when they do not.
 */
import type { Shape, ShapeErr, ShapesAgree, ShowShape } from '../shape.js'

/** One example's shape of a model input `[N, ...E]`. */
export type ExampleOf<In extends Shape> = In extends readonly [unknown, ...infer E extends Shape] ? E : Shape

/**
 * `S`, or the error text when examples of shape `S` do not fit inputs `In` (only known sizes are compared;
 * a data source whose shape is not literal is checked at run time).
 *
 * @example
 * type E = DataFit<['N', 784], readonly [1, 28, 28]> // 'ShapeError: the model expects examples [784] but the data has [1, 28, 28]'
 */
export type DataFit<In extends Shape, S extends Shape> = 0 extends 1 & In
  ? S // an untyped model (`any` input) is checked at run time
  : number extends S['length'] | In['length']
  ? S
  : ShapesAgree<ExampleOf<In>, S> extends true
    ? S
    : ShapeErr<`the model expects examples ${ShowShape<ExampleOf<In>>} but the data has ${ShowShape<S>}`>
