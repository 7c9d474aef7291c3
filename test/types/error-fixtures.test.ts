/**
 * Every must-fail fixture in examples/errors/ fails `tsc` with exactly the message its first line states
 * (`// expect line 12: ShapeError: ...`), reported once, at that line, on a layer/operand argument (not
 * inside the library), under TypeScript 5.9 (compiler API) and TypeScript 7 (its CLI). The runtime rules raise
 * the same text for the same models. (test/types/language-service.test.ts checks them as an editor sees them.)
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import ts from 'typescript'
import { type AnyModel, traceModel } from '../../src/dsl/model.js'
import { describe, expect, it } from 'vitest'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const dir = join(root, 'examples/errors')
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => {
    const path = join(dir, f)
    const text = readFileSync(path, 'utf8')
    const head = /^\/\/ expect line (\d+): (.*)$/m.exec(text.split('\n')[0]!)
    // A fixture marked `// type-only` is wrong only for the types (e.g. a widened `number` that is fine at run time).
    return { name: f, path, line: Number(head?.[1]), expected: head?.[2] ?? '', typeOnly: /^\/\/ type-only/m.test(text) }
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
  it('has fixtures, each stating its expected message and line on its first line', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(18)
    for (const f of fixtures) {
      expect(f.expected, f.name).toMatch(/^ShapeError: /)
      expect(f.line, f.name).toBeGreaterThan(1)
    }
  })
  it.each(fixtures)('$name fails once with its stated message, at its stated line', ({ path, expected, line }) => {
    const ds = diagnosticsOf(path)
    expect(ds).toHaveLength(1)
    const d = ds[0]!
    expect(d.file).toBe(path)
    expect(d.line).toBe(line)
    expect(d.text).toContain(`"${expected}"`)
    expect(d.text).not.toMatch(/type 'never'/)
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
  it('reports every fixture once, at the same line, with the same message', () => {
    const flags = ['--ignoreConfig', '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', '--types', '']
    const r = run([...flags, ...fixtures.map((f) => f.path)])
    expect(r.code).not.toBe(0)
    // `examples/errors/x.ts(12,3): error TS2345: ...`, then the message's indented lines
    const reports = r.out.split(/\n(?=\S)/).filter((e) => e.trim() !== '')
    for (const f of fixtures) {
      const own = reports.filter((e) => e.startsWith(`examples/errors/${f.name}(`))
      expect(own, f.name).toHaveLength(1)
      expect(own[0], f.name).toMatch(new RegExp(`^examples/errors/${f.name.replace('.', '\\.')}\\(${f.line},\\d+\\): error TS\\d+`))
      expect(own[0], f.name).toContain(`"${f.expected}"`)
    }
  })
})

/**
 * What a fixture module fails with at run time: the error its import throws (expressions built at load time),
 * a sequential's `summary()` Left, or the error tracing a function model throws.
 */
const runtimeFailure = async (path: string): Promise<E.Either<Error, unknown>> => {
  const exports = await import(path).then(
    (m: Record<string, unknown>) => E.right(Object.values(m)),
    (e: Error) => E.left(e),
  )
  if (E.isLeft(exports)) return exports
  for (const v of exports.right) {
    const summary = (v as { summary?: () => E.Either<Error, unknown> }).summary
    if (typeof summary === 'function') {
      const r = summary()
      if (E.isLeft(r)) return r
    } else if (typeof v === 'function' && Array.isArray((v as { inputShape?: unknown }).inputShape)) {
      const r = E.tryCatch(() => traceModel(v as AnyModel), (e) => e as Error)
      if (E.isLeft(r)) return r
    }
  }
  return E.right('no failure')
}

describe('the runtime rules raise the same texts', () => {
  it.each(fixtures.filter((f) => !f.typeOnly))('$name', async ({ path, expected }) => {
    const outcome = await runtimeFailure(path)
    expect(E.isLeft(outcome)).toBe(true)
    if (E.isLeft(outcome)) expect(outcome.left.message).toBe(expected)
  })
})
