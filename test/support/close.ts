/** Closeness of computed values, one definition for every test that compares outputs. */
import { expect } from 'vitest'

/** |got - want| <= atol + rtol * |want|, with equal infinities and NaN against NaN counted as equal. */
export const closeTo = (got: number, want: number, rtol: number, atol: number): boolean =>
  (Number.isNaN(got) && Number.isNaN(want)) || got === want || Math.abs(got - want) <= atol + rtol * Math.abs(want)

/** A computed output as host data with its shape. */
export interface HostOutput {
  readonly shape: readonly number[]
  readonly data: ArrayLike<number>
}

/**
 * Asserts `closeTo` elementwise per output (and equal shapes), naming the output and element.
 * `label` names the two sides in the message (e.g. 'lowered' vs 'interpreter').
 */
export const expectOutputsClose = (
  got: readonly HostOutput[],
  want: readonly HostOutput[],
  context = '',
  rtol = 2e-3,
  atol = 2e-4,
  label: readonly [string, string] = ['lowered', 'interpreter'],
): void => {
  expect(got.length).toBe(want.length)
  want.forEach((w, i) => {
    const g = got[i]!
    expect(g.shape, `output ${i} shape\n${context}`).toEqual(w.shape)
    for (let j = 0; j < w.data.length; j++)
      if (!closeTo(g.data[j]!, w.data[j]!, rtol, atol)) expect.fail(`output ${i} element ${j}: ${label[0]} ${g.data[j]} vs ${label[1]} ${w.data[j]}\n${context}`)
  })
}
