/**
 * The type-checking budget of blocks as values, in the unit that does not move with the machine's load:
 * instantiations. examples/resnet18.ts (ResNet-18 from chain/residual blocks, two input sizes, a user-defined
 * layer) may add at most 100,000 instantiations over a module that only imports the library, under
 * TypeScript 5.9 and 7 (today about 60,000, which is 0.4 s of check time on 5.9 and 0.04 s on 7 here;
 * `node scripts/check-cost.mjs` measures the times for the README's table).
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const dir = join(root, 'test/.tmp/check-cost-test')
mkdirSync(dir, { recursive: true })
const library = join(dir, 'library.ts')
writeFileSync(library, "import * as typegrad from '../../../src/index.js'\nexport const t = typegrad\n")
const resnet18 = join(root, 'examples/resnet18.ts')
const budget = 100_000

const options: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  skipLibCheck: true,
  noEmit: true,
  types: ['node'],
}

describe('ResNet-18 with blocks stays within its type-checking budget', () => {
  it('TypeScript 5.9', () => {
    const instantiations = (file: string) => {
      const program = ts.createProgram({ rootNames: [file], options })
      expect(ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([])
      // on the checker (tsc's --extendedDiagnostics reads it), though not in its declared interface
      return (program.getTypeChecker() as unknown as { getInstantiationCount(): number }).getInstantiationCount()
    }
    const added = instantiations(resnet18) - instantiations(library)
    expect(added).toBeGreaterThan(10_000)
    expect(added).toBeLessThan(budget)
  })
  it('TypeScript 7', () => {
    const instantiations = (file: string) => {
      const out = execFileSync(
        process.execPath,
        [join(root, 'node_modules/typescript7/bin/tsc'), '--ignoreConfig', '--noEmit', '--extendedDiagnostics', '--strict', '--target', 'es2022',
          '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', '--types', 'node', file],
        { cwd: root, encoding: 'utf8' },
      )
      return Number(/Instantiations:\s+(\d+)/.exec(out)![1])
    }
    const added = instantiations(resnet18) - instantiations(library)
    expect(added).toBeGreaterThan(10_000)
    expect(added).toBeLessThan(budget)
  })
})
