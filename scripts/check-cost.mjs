#!/usr/bin/env node
/**
 * Type-checking cost, as the README's budget table reports it: `tsc --noEmit --extendedDiagnostics` check time
 * (median of `--runs`, default 5) and instantiations, under TypeScript 5.9 and TypeScript 7, of
 *   - an empty module, the library alone, and examples/resnet18.ts, each as a package user compiles them:
 *     importing typegrad's emitted declarations (skipLibCheck, as for any dependency);
 *   - the same from source (the library's own files checked too), as in this checkout;
 *   - the whole project (`-p tsconfig.json`).
 * Writes under test/.tmp/check-cost (ignored by git). Other jobs on the machine move the times; the
 * instantiation counts do not move.
 *
 * @example node scripts/check-cost.mjs --runs 5
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const tmp = join(root, 'test/.tmp/check-cost')
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 5) || 5
const tsc = { '5.9': join(root, 'node_modules/typescript/bin/tsc'), 7: join(root, 'node_modules/typescript7/bin/tsc') }
const flags = ['--noEmit', '--extendedDiagnostics', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', '--types', 'node']

rmSync(tmp, { recursive: true, force: true })
mkdirSync(tmp, { recursive: true })
execFileSync(process.execPath, [tsc['5.9'], '-p', 'tsconfig.build.json', '--emitDeclarationOnly', '--outDir', join(tmp, 'dist'), '--sourceMap', 'false', '--inlineSources', 'false'], { cwd: root, stdio: 'inherit' })

const example = readFileSync(join(root, 'examples/resnet18.ts'), 'utf8')
const files = {
  empty: ['export {}\n'],
  'library (import only)': ["import * as typegrad from './dist/index.js'\nexport const t = typegrad\n"],
  'examples/resnet18.ts': [example.replaceAll("'../src/index.js'", "'./dist/index.js'").replaceAll("'../src/types/index.js'", "'./dist/types/index.js'")],
}
const paths = Object.fromEntries(
  Object.entries(files).map(([name, [text]], i) => {
    const path = join(tmp, `m${i}.ts`)
    writeFileSync(path, text)
    return [name, path]
  }),
)
const sourceBase = join(root, 'test/.tmp/check-cost/source-library.ts')
writeFileSync(sourceBase, "import * as typegrad from '../../../src/index.js'\nexport const t = typegrad\n")

const measure = (version, args) => {
  const times = []
  let instantiations = 0
  for (let i = 0; i < runs; i++) {
    let out
    try {
      // TypeScript 7 refuses files on the command line beside a tsconfig.json unless told to ignore it
      const all = version === '7' && !args.includes('-p') ? ['--ignoreConfig', ...args] : args
      out = execFileSync(process.execPath, [tsc[version], ...all], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 })
    } catch (e) {
      out = e.stdout
    }
    const time = /Check time:\s+([\d.]+)s/.exec(out)
    if (time === null) throw new Error(`no check time in the output of tsc ${version} ${args.join(' ')}:\n${out}`)
    times.push(Number(time[1]))
    instantiations = Number(/Instantiations:\s+(\d+)/.exec(out)[1])
  }
  times.sort((a, b) => a - b)
  return { time: times[Math.floor(times.length / 2)], instantiations }
}

const rows = []
const row = (scope, version, args, base) => {
  const m = measure(version, args)
  rows.push({ scope, version, ...m, delta: base === undefined ? undefined : m.time - base.time, deltaInst: base === undefined ? undefined : m.instantiations - base.instantiations })
  return m
}
for (const version of ['5.9', '7']) {
  const empty = row('empty module', version, [...flags, paths.empty])
  row('library (import only), from its declarations', version, [...flags, paths['library (import only)']], empty)
  row('examples/resnet18.ts, from the declarations', version, [...flags, paths['examples/resnet18.ts']], empty)
  const lib = row('library (import only), from source', version, [...flags, sourceBase], empty)
  row('examples/resnet18.ts, from source', version, [...flags, join(root, 'examples/resnet18.ts')], lib)
  row('whole project (tsconfig.json)', version, ['--noEmit', '--extendedDiagnostics', '-p', 'tsconfig.json'])
}

const fmt = (n) => n.toLocaleString('en-US')
console.log(`| scope | TypeScript | check time (median of ${runs}) | over its baseline | instantiations | over its baseline |`)
console.log('| --- | --- | --- | --- | --- | --- |')
for (const r of rows)
  console.log(
    `| ${r.scope} | ${r.version} | ${r.time.toFixed(2)} s | ${r.delta === undefined ? '' : `${r.delta >= 0 ? '+' : ''}${r.delta.toFixed(2)} s`} | ${fmt(r.instantiations)} | ${r.deltaInst === undefined ? '' : `+${fmt(r.deltaInst)}`} |`,
  )
