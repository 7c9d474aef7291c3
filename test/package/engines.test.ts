/**
 * typegrad's `engines.node` is honest: every package a consumer installs with it (the non-dev,
 * non-optional part of package-lock.json) accepts every Node version typegrad's range accepts, and every
 * package installed here accepts the Node running the tests (what `npm ci` warns about as EBADENGINE).
 * The ranges are read from the installed manifests, node_modules/<pkg>/package.json.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { satisfies, subsetWitness } from './nodeRange.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const readJson = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>

interface LockEntry {
  readonly dev?: boolean
  readonly optional?: boolean
  readonly devOptional?: boolean
  readonly link?: boolean
}
const lock = readJson(join(root, 'package-lock.json')) as { packages: Record<string, LockEntry> }
const ownRange = (readJson(join(root, 'package.json')) as { engines: { node: string } }).engines.node
const entries = Object.entries(lock.packages).filter(([path, e]) => path !== '' && !e.link)

/** engines.node of an installed package (undefined: none declared). */
const nodeRangeOf = (path: string): string | undefined => {
  const engines = readJson(join(root, path, 'package.json'))['engines'] as { node?: unknown } | unknown[] | undefined
  // A few old packages publish engines as an array of strings; none of ours does, so treat it as a failure.
  if (Array.isArray(engines)) throw new Error(`${path}: engines is an array`)
  return typeof engines?.node === 'string' ? engines.node : undefined
}

describe('engines.node', () => {
  const runtime = entries.filter(([, e]) => !e.dev && !e.optional && !e.devOptional).map(([path]) => path)

  it('typegrad needs Node 20 (the CI version) and the running Node is in its range', () => {
    expect(satisfies('20.19.0', ownRange)).toBe(true)
    expect(satisfies(process.version, ownRange)).toBe(true)
  })

  it('every runtime dependency in package-lock.json is installed and accepts all of typegrad\'s Node range', () => {
    expect(runtime.length).toBeGreaterThan(50)
    const excluded: string[] = []
    for (const path of runtime) {
      expect(existsSync(join(root, path, 'package.json')), `${path} is not installed`).toBe(true)
      const range = nodeRangeOf(path)
      const witness = range === undefined ? undefined : subsetWitness(ownRange, range)
      if (witness !== undefined) excluded.push(`${path}: engines.node '${range}' excludes Node ${witness}`)
    }
    expect(excluded, `typegrad declares node '${ownRange}'`).toEqual([])
  })

  it(`every installed package accepts the running Node ${process.version} (no EBADENGINE on npm ci)`, () => {
    const bad = entries
      .filter(([path]) => existsSync(join(root, path, 'package.json')))
      .flatMap(([path]) => {
        const range = nodeRangeOf(path)
        return range !== undefined && !satisfies(process.version, range) ? [`${path}: ${range}`] : []
      })
    expect(bad).toEqual([])
  })
})
