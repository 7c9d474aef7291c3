/**
 * `--resume` through the CLI on checkpoints that are damaged (one base64 character) or well-summed but invalid
 * (`history: [null, ...]`, no `identity`, an int32 tensor): exit 1 with one `error: <file>: ...` line, no
 * epoch trained, nothing written, the checkpoint byte-identical.
 */
import { spawnSync } from 'node:child_process'
import { cp, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHECKPOINT_FILE, checkpointChecksum } from '../../src/runtime/train/checkpoint.js'
import { syntheticSplit, tempDir, writeIdxDir } from '../runtime/data/fixtures.js'

let root: string
let cleanup: () => Promise<void>
let data: string
let good: string
const cli = (out: string, epochs: number) =>
  spawnSync(
    process.execPath,
    ['--import', 'tsx', 'examples/lenet-cli.ts', '--epochs', String(epochs), '--limit', '64', '--batch-size', '32', '--backend', 'wasm', '--out', out, '--data-dir', data, '--resume'],
    { encoding: 'utf8', timeout: 60_000 },
  )

beforeAll(async () => {
  ;({ dir: root, cleanup } = await tempDir('reliability-resume'))
  data = join(root, 'data')
  await writeIdxDir(data, syntheticSplit(64), syntheticSplit(16))
  good = join(root, 'good')
  const r = cli(good, 1)
  expect(r.status, r.stderr).toBe(0)
})
afterAll(() => cleanup())

const edits: [string, (text: string) => string, RegExp][] = [
  [
    'one base64 character changed',
    (t) => {
      const at = t.indexOf('"base64":"') + 20
      return t.slice(0, at) + (t[at] === 'A' ? 'B' : 'A') + t.slice(at + 1)
    },
    /checksum mismatch: the file was changed or damaged/,
  ],
  ['history [null] (checksum recomputed)', (t) => resum(t, (j) => (j['history'] = [null])), /history\[0\] is null, expected an object/],
  ['no identity (checksum recomputed)', (t) => resum(t, (j) => delete j['identity']), /identity is missing/],
  [
    'a tensor of dtype int32 (checksum recomputed)',
    (t) => resum(t, (j) => (Object.values((j['program'] as { params: Record<string, { dtype: string }> }).params)[0]!.dtype = 'int32')),
    /\.dtype is "int32", expected "float32"/,
  ],
]
const resum = (text: string, edit: (j: Record<string, unknown>) => void): string => {
  const { checksum: _, ...j } = JSON.parse(text) as Record<string, unknown>
  edit(j)
  return JSON.stringify({ ...j, checksum: checkpointChecksum(j) })
}

describe('--resume refuses a bad checkpoint', () => {
  it.each(edits)('%s', async (name, edit, reason) => {
    const out = join(root, name.replace(/\W+/g, '-'))
    await cp(good, out, { recursive: true })
    const file = join(out, CHECKPOINT_FILE)
    const text = edit(await readFile(file, 'utf8'))
    await writeFile(file, text)
    const before = (await readdir(out)).sort()
    const r = cli(out, 3)
    expect(r.status, r.stdout + r.stderr).toBe(1)
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '))
    expect(errors).toHaveLength(1)
    expect(errors[0]!.startsWith(`error: ${file}: cannot resume from this checkpoint (`)).toBe(true)
    expect(errors[0]).toMatch(reason)
    expect(r.stdout).not.toMatch(/^epoch \d/m)
    expect(await readFile(file, 'utf8')).toBe(text)
    expect((await readdir(out)).sort()).toEqual(before)
  })
})
