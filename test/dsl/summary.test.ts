/** The seed's shape table: `npm run lenet -- --summary`. */
import { execFileSync } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { lenet } from '../../examples/lenet.js'
import { formatSummary } from '../../src/runtime/report/summary.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
// d2l ch. 6.6 prints these for X = torch.rand(1, 1, 28, 28).
const seed = [
  ['Conv2d', [1, 6, 28, 28]], ['Sigmoid', [1, 6, 28, 28]], ['AvgPool2d', [1, 6, 14, 14]],
  ['Conv2d', [1, 16, 10, 10]], ['Sigmoid', [1, 16, 10, 10]], ['AvgPool2d', [1, 16, 5, 5]],
  ['Flatten', [1, 400]], ['Linear', [1, 120]], ['Sigmoid', [1, 120]], ['Linear', [1, 84]], ['Sigmoid', [1, 84]], ['Linear', [1, 10]],
] as const

describe('LeNet summary', () => {
  it('lists each layer with the seed output shape and PyTorch parameter counts', () => {
    const rows = lenet.summary([1, 1, 28, 28])
    expect(E.isRight(rows)).toBe(true)
    if (E.isLeft(rows)) return
    expect(rows.right.map((r) => [r.kind, r.outShape])).toEqual(seed)
    // weight + bias per layer: conv 6*1*5*5+6, conv 16*6*5*5+16, fc 400*120+120, 120*84+84, 84*10+10
    const expected = [156, 2416, 48120, 10164, 850]
    expect(rows.right.filter((r) => r.params > 0).map((r) => r.params)).toEqual(expected)
    expect(rows.right.reduce((a, r) => a + r.params, 0)).toBe(61706)
  })
  it('is printed by `npm run lenet -- --summary`', () => {
    const out = execFileSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), 'examples/lenet-cli.ts', '--summary'], { cwd: root, encoding: 'utf8' })
    const lines = out.trim().split('\n')
    expect(lines[0]).toMatch(/^Conv2d output shape:\s+\[1, 6, 28, 28\]\s+params: 156$/)
    expect(lines).toContainEqual(expect.stringMatching(/^Flatten output shape:\s+\[1, 400\]\s+params: 0$/))
    expect(lines.at(-1)).toBe('Total params: 61,706')
    expect(out).toBe(`${formatSummary((lenet.summary([1, 1, 28, 28]) as E.Right<never>).right)}\n`)
  })
})
