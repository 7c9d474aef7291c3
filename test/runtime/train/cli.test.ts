/** The LeNet CLI's handling of its input: --summary, and exit code 2 with a clear message on bad flags. */
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'examples/lenet-cli.ts', ...args], { encoding: 'utf8', timeout: 60_000 })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

describe('lenet CLI', () => {
  it('--summary prints the per-layer table of the chosen model', () => {
    const m = cli('--summary', '--model', 'lenet-modern')
    expect(m.code).toBe(0)
    expect(m.out).toContain('BatchNorm2d output shape:')
    // conv 150 + bn 12, conv 2,400 + bn 32, fc 48,000 + bn 240, fc 10,080 + bn 168, fc 850 (trainable only)
    expect(m.out).toContain('Total params: 61,932')
  })

  it('exits 2 listing every invalid value', () => {
    const r = cli('--epochs', '0', '--lr', 'x', '--batch-size', '2.5', '--summary')
    expect(r.code).toBe(2)
    expect(r.err).toContain('--epochs "0": must be >= 1')
    expect(r.err).toContain('--lr "x": must be a number')
    expect(r.err).toContain('--batch-size "2.5": must be an integer')
  })

  it('exits 2 on unknown flags', () => {
    expect(cli('--bogus')).toMatchObject({ code: 2, err: expect.stringContaining("unknown option '--bogus'") })
  })
})
