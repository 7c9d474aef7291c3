/**
 * Every must-fail fixture in examples/errors/ fails `tsc` with exactly the message its first line states,
 * reported on a layer/operand argument (not inside the library), under TypeScript 5.9 (compiler API) and
 * TypeScript 7 (its CLI). The runtime rules raise the same text for the same models.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const dir = join(root, 'examples/errors')
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => {
    const path = join(dir, f)
    const expected = /^\/\/ expect: (.*)$/m.exec(readFileSync(path, 'utf8'))?.[1]
    // A fixture marked `// type-only` is wrong only for the types (e.g. a widened `number` that is fine at run time).
    return { name: f, path, expected: expected!, typeOnly: /^\/\/ type-only/m.test(readFileSync(path, 'utf8')) }
  })

const options: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  skipLibCheck: true,
  noEmit: true,
  types: [],
}
const program = ts.createProgram({ rootNames: fixtures.map((f) => f.path), options })
const diagnosticsOf = (path: string) =>
  ts.getPreEmitDiagnostics(program, program.getSourceFile(path)).map((d) => ({
    text: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    file: d.file?.fileName,
    line: d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0,
  }))

describe('must-fail fixtures (TypeScript 5.9 compiler API)', () => {
  it('has fixtures, each stating its expected message', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(8)
    for (const f of fixtures) expect(f.expected, f.name).toMatch(/^ShapeError: /)
  })
  it.each(fixtures)('$name fails with its stated message, at the call site', ({ path, expected }) => {
    const ds = diagnosticsOf(path)
    expect(ds).toHaveLength(1)
    const d = ds[0]!
    expect(d.file).toBe(path)
    expect(d.text).toContain(`'"${expected}"'`)
    expect(d.text).not.toMatch(/never/)
  })
})

describe('TypeScript 7 (native compiler CLI)', () => {
  const tsc7 = join(root, 'node_modules/typescript7/bin/tsc')
  const run = (args: string[]): { code: number; out: string } => {
    try {
      return { code: 0, out: execFileSync(process.execPath, [tsc7, ...args], { cwd: root, encoding: 'utf8' }) }
    } catch (e) {
      const err = e as { status: number; stdout: string }
      return { code: err.status, out: err.stdout }
    }
  }
  it('checks the project (src, examples, tests) without errors', () => {
    const r = run(['--noEmit', '-p', 'tsconfig.json'])
    expect(r.out).toBe('')
    expect(r.code).toBe(0)
  })
  it('reports every fixture with the same message', () => {
    const flags = ['--ignoreConfig', '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', '--types', '']
    const r = run([...flags, ...fixtures.map((f) => f.path)])
    expect(r.code).not.toBe(0)
    for (const f of fixtures) expect(r.out, f.name).toContain(`"${f.expected}"`)
  })
})

describe('the runtime rules raise the same texts', () => {
  it.each(fixtures.filter((f) => !f.typeOnly))('$name', async ({ path, expected }) => {
    const outcome = await import(path).then(
      (m: { model?: { summary(): E.Either<Error, unknown> } }) => (m.model ? m.model.summary() : E.right('no model')),
      (e: Error) => E.left(e),
    )
    expect(E.isLeft(outcome)).toBe(true)
    if (E.isLeft(outcome)) expect(outcome.left.message).toBe(expected)
  })
})
