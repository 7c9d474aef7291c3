/**
 * What an editor shows, through the API it uses (TypeScript 5.9's language service): `getQuickInfoAtPosition`
 * (the hover) and `getSemanticDiagnostics` (the squiggles). A model's hover names its input and output shapes
 * on one line; the hover of a value whose shapes do not fit is the ShapeError text; every must-fail fixture
 * has its one error at its stated line; the ResNet-18 example and a block generic over the batch name have none.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const errors = join(root, 'examples/errors')
const fixtures = readdirSync(errors)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => {
    const path = join(errors, f)
    const head = /^\/\/ expect line (\d+): (.*)$/.exec(readFileSync(path, 'utf8').split('\n')[0]!)!
    return { name: f, path, line: Number(head[1]), expected: head[2]! }
  })

/** A file that exists only in the editor's memory: each `/*@name*\/` marks the identifier before it. */
const probePath = join(root, 'test/types/hover-probe.ts')
const probeText = (up: string) => `
import { lenet } from '${up}examples/models.js'
import cnn from '${up}examples/cnn.js'
import resnet18, { features, layer1 } from '${up}examples/resnet18.js'
import { pipe } from 'fp-ts/lib/function.js'
import { chain, conv2d, flatten, input, linear, model, relu, residual, sequential } from '${up}src/dsl/index.js'

export const seq/*@seq*/ = lenet
export const fn/*@fn*/ = cnn
export const big/*@big*/ = resnet18
export const stage/*@stage*/ = features(input('x', ['B', 64, 56, 56]))
export const mlp/*@mlp*/ = sequential(['N', 1, 28, 28], flatten(), linear(784, 128), relu(), linear(128, 10))
// @ts-expect-error the error is reported on the layer; the model's type is its text
export const badSeq/*@badSeq*/ = sequential(['N', 1, 28, 28], flatten(), linear(784, 128), relu(), linear(100, 10))
// @ts-expect-error the error is reported on the argument; the value's type is its text
export const badCall/*@badCall*/ = relu()(linear(100, 10)(flatten()(input('x', ['N', 1, 28, 28]))))
// @ts-expect-error a block that does not fit where it is applied: the error text names the part inside it
export const badBlock/*@badBlock*/ = layer1(input('x', ['N', 32, 56, 56]))
const down = residual(chain(conv2d(64, 128, { kernel: 3, stride: 2, padding: 1 })))
// @ts-expect-error
export const badResidual/*@badResidual*/ = pipe(input('x', ['N', 64, 56, 56]), relu(), (x) => down(x))
export const okFn/*@okFn*/ = model(['N', 4], (x) => pipe(x, linear(4, 2)))
`
const probe = probeText('../../')

const options: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  skipLibCheck: true,
  noEmit: true,
  types: ['node'],
}
const files = [probePath, join(root, 'examples/resnet18.ts'), ...fixtures.map((f) => f.path)]
const read = (f: string) => (f === probePath ? probe : ts.sys.readFile(f))
const service = ts.createLanguageService({
  getScriptFileNames: () => files,
  getScriptVersion: () => '1',
  getScriptSnapshot: (f) => {
    const text = read(f)
    return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text)
  },
  getCurrentDirectory: () => root,
  getCompilationSettings: () => options,
  getDefaultLibFileName: ts.getDefaultLibFilePath,
  fileExists: (f) => f === probePath || ts.sys.fileExists(f),
  readFile: read,
  readDirectory: ts.sys.readDirectory,
  directoryExists: ts.sys.directoryExists,
  getDirectories: ts.sys.getDirectories,
})

const hover = (name: string): string => {
  const at = probe.indexOf(`/*@${name}*/`)
  const info = service.getQuickInfoAtPosition(probePath, at - 1)
  return info ? ts.displayPartsToString(info.displayParts) : ''
}

const modelHovers: [string, string][] = [
  ['seq', 'const seq: Sequential<readonly ["N", 1, 28, 28], readonly ["N", 10]>'],
  ['fn', 'const fn: Model<readonly ["N", 1, 28, 28], readonly ["N", 10], NamedParams>'],
  ['big', 'const big: Model<readonly ["N", 3, 224, 224], readonly ["N", 1000], NamedParams>'],
  ['mlp', 'const mlp: Sequential<readonly ["N", 1, 28, 28], readonly ["N", 10]>'],
  ['okFn', 'const okFn: Model<readonly ["N", 4], readonly ["N", 2], NamedParams>'],
  ['stage', 'const stage: Expr<readonly ["B", 512, 7, 7], "float32">'],
]
const errorHovers: [string, string][] = [
  ['badSeq', 'const badSeq: "ShapeError: linear expects 100 input features but got 128"'],
  ['badCall', 'const badCall: "ShapeError: linear expects 100 input features but got 784"'],
  ['badBlock', 'const badBlock: "ShapeError: conv2d expects 64 input channels but got 32"'],
  ['badResidual', 'const badResidual: "ShapeError: residual block changes the shape [N, 64, 56, 56] to [N, 128, 28, 28]; give residual a projection"'],
]

describe('hovers', () => {
  it("a model's hover is one line naming its input and output shapes", () => {
    for (const [name, text] of modelHovers) {
      expect(hover(name)).toBe(text)
      expect(hover(name).split('\n')).toHaveLength(1)
    }
  })
  it('the hover of a value whose shapes do not fit starts with the ShapeError text', () => {
    for (const [name, text] of errorHovers) expect(hover(name)).toBe(text)
  })
  it('TypeScript 7 (its API) prints the same types', async () => {
    // TypeScript 7's API reads files from disk: the probe goes to test/.tmp with a tsconfig extending the project's
    const { API } = await import('typescript7/unstable/sync')
    const dir = join(root, 'test/.tmp/language-service')
    mkdirSync(dir, { recursive: true })
    const file = join(dir, 'probe.ts')
    const text = probeText('../../../')
    writeFileSync(file, text)
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../../../tsconfig.json', include: ['probe.ts'], exclude: [] }))
    const api = new API({ cwd: root })
    try {
      const config = join(dir, 'tsconfig.json')
      const project = api.updateSnapshot({ openProjects: [config] }).getProject(config)!
      for (const [name, hoverText] of [...modelHovers, ...errorHovers]) {
        const type = project.checker.getTypeAtPosition(file, text.indexOf(`/*@${name}*/`) - 1)!
        expect(`const ${name}: ${project.checker.typeToString(type)}`).toBe(hoverText)
      }
      expect(project.program.getSemanticDiagnostics(file)).toEqual([])
    } finally {
      api.close()
    }
  })
})

describe('diagnostics', () => {
  const diagnostics = (path: string) =>
    service.getSemanticDiagnostics(path).map((d) => ({
      line: d.file!.getLineAndCharacterOfPosition(d.start!).line + 1,
      text: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    }))
  it.each(fixtures)('$name: one error, at its stated line, with its text', ({ path, line, expected }) => {
    const ds = diagnostics(path)
    expect(ds).toHaveLength(1)
    expect(ds[0]!.line).toBe(line)
    expect(ds[0]!.text).toContain(`"${expected}"`)
  })
  it('the ResNet-18 example (blocks as values, a block generic over the batch name) and the probe have none unexpected', () => {
    expect(diagnostics(join(root, 'examples/resnet18.ts'))).toEqual([])
    expect(diagnostics(probePath)).toEqual([])
  })
})
