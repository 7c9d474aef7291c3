/**
 * Every TypeScript block of the README compiles as a user's module would (`'typegrad'` resolved to this
 * checkout's src), so the documented API cannot drift from the real one.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '../..')
const dir = join(root, 'test/.tmp/readme')
const blocks = [...readFileSync(join(root, 'README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('README', () => {
  it('has the end-to-end example and every ts block type-checks (strict, NodeNext)', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3)
    expect(blocks[0]).toContain('fit(mlp')
    mkdirSync(dir, { recursive: true })
    const files = blocks.map((b, i) => {
      const file = join(dir, `block${i}.ts`)
      // each block is its own module (top-level await, its own names)
      writeFileSync(file, `${b.replaceAll("from 'typegrad'", `from '${join(root, 'src/index.js')}'`)}\nexport {}\n`)
      return file
    })
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ extends: join(root, 'tsconfig.json'), compilerOptions: { noUnusedLocals: false }, include: files, exclude: [] }),
    )
    const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' })
    expect(r.stdout + r.stderr).toBe('')
    expect(r.status).toBe(0)
  })
})
