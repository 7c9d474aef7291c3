/**
 * Compile TypeScript source text with the compiler API and collect its diagnostics, for tests that
 * check types: many generated assertions in one program (property tests) or must-fail fixtures.
 *
 * Files are written to a fresh folder under test/.tmp/ (git-ignored, excluded from tsconfig) so that
 * they resolve `src/` and `node_modules/` exactly like project code: from a file at the top of that
 * folder, import `${SRC_FROM_TMP}/types/arith.js`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** Absolute path of the folder that holds the per-compilation temp folders (test/.tmp). */
export const TMP_ROOT = join(repoRoot, 'test', '.tmp')

/** Relative import prefix for `src/` from a file at the top of a compileSource folder, e.g. `'../../../src'`. */
export const SRC_FROM_TMP = '../../../src'

/** Options for {@link compileSource}. */
export interface CompileOptions {
  /** Overrides on top of the project's tsconfig.json compilerOptions (strict, NodeNext, ...). */
  readonly compilerOptions?: ts.CompilerOptions
  /** Keep the temp folder for debugging instead of deleting it. */
  readonly keep?: boolean
}

/**
 * The project's compiler options (strict, NodeNext, ...) without ambient `types`, so that a
 * compilation does not pay for loading @types/node unless a fixture asks for it.
 */
function projectCompilerOptions(): ts.CompilerOptions {
  const configPath = join(repoRoot, 'tsconfig.json')
  const { config, error } = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p))
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'))
  const parsed = ts.convertCompilerOptionsFromJson(config.compilerOptions ?? {}, repoRoot, configPath)
  return { ...parsed.options, types: [], noEmit: true }
}

/**
 * Type-checks the given files as one program and returns its diagnostics, formatted like tsc
 * (`name.ts(3,7): error TS2322: Type '1' is not assignable to type '2'.`, paths relative to the temp
 * folder); an empty array means the files compile. All given files are root files.
 *
 * @param files file name (relative, e.g. `'case.ts'`) -> source text
 * @example
 *   compileSource({ 'bad.ts': `import type { Add } from '${SRC_FROM_TMP}/types/arith.js'\nconst x: Add<1, 1> = 3` })
 *   // ["bad.ts(2,7): error TS2322: Type '3' is not assignable to type '2'."]
 */
export function compileSource(files: Record<string, string>, opts: CompileOptions = {}): string[] {
  mkdirSync(TMP_ROOT, { recursive: true })
  const dir = mkdtempSync(join(TMP_ROOT, 'compile-'))
  try {
    const rootNames = Object.entries(files).map(([name, text]) => {
      const path = join(dir, name)
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(path, text)
      return path
    })
    const options = { ...projectCompilerOptions(), ...opts.compilerOptions }
    const program = ts.createProgram({ rootNames, options })
    const host: ts.FormatDiagnosticsHost = {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => dir,
      getNewLine: () => '\n',
    }
    return ts.getPreEmitDiagnostics(program).map((d) =>
      d.file
        ? ts.formatDiagnostic(d, host).trimEnd()
        : `error TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
    )
  } finally {
    if (!opts.keep) rmSync(dir, { recursive: true, force: true })
  }
}

