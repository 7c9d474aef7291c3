/** The strict header JSON reader agrees with JSON.parse on what both accept, and keeps what JSON.parse loses. */
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { type Json, parseJson, showJson } from '../../../src/runtime/io/json.js'

/** The plain value JSON.parse would give (last duplicate wins, as there). */
const plain = (j: Json): unknown => {
  switch (j.kind) {
    case 'null':
      return null
    case 'boolean':
    case 'string':
      return j.value
    case 'number':
      return Number(j.raw)
    case 'array':
      return j.items.map(plain)
    case 'object':
      return Object.fromEntries(j.entries.map(([k, v]) => [k, plain(v)]))
  }
}

const jsonParses = (s: string): boolean => {
  try {
    JSON.parse(s)
    return true
  } catch {
    return false
  }
}

describe('parseJson', () => {
  it('property: the same value as JSON.parse for any JSON text, pretty or not', () => {
    fc.assert(
      fc.property(fc.json(), fc.boolean(), (text, pretty) => {
        const t = pretty ? JSON.stringify(JSON.parse(text), null, 2) : text
        const r = parseJson(t)
        if (E.isLeft(r)) throw new Error(r.left)
        expect(plain(r.right)).toEqual(JSON.parse(t))
      }),
    )
  })

  it('property: refuses exactly what JSON.parse refuses (within the depth limit), never throwing', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.stringMatching(/^[[\]{}",:0-9.eE+\- a-z\\]{0,20}$/)), (s) => {
        expect(E.isRight(parseJson(s))).toBe(jsonParses(s))
      }),
      { numRuns: 500 },
    )
  })

  it('keeps duplicate keys and the source text of numbers', () => {
    expect(parseJson('{"a":1,"a":2.50}')).toEqual(
      E.right({
        kind: 'object',
        entries: [
          ['a', { kind: 'number', raw: '1' }],
          ['a', { kind: 'number', raw: '2.50' }],
        ],
      }),
    )
    expect(parseJson('[9007199254740993]')).toEqual(E.right({ kind: 'array', items: [{ kind: 'number', raw: '9007199254740993' }] }))
  })

  it('refuses nesting past 64 levels rather than overflowing the stack', () => {
    expect(parseJson(`${'['.repeat(64)}${']'.repeat(64)}`)._tag).toBe('Right')
    expect(parseJson(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)).toEqual(E.left('nesting deeper than 64 levels at character 65'))
  })

  it('showJson renders one short line', () => {
    expect(showJson({ kind: 'array', items: [{ kind: 'number', raw: '6' }, { kind: 'string', value: 'N\n' }] })).toBe('[6, "N\\n"]')
    const long = showJson({ kind: 'array', items: Array.from({ length: 1_000_000 }, (_, k): Json => ({ kind: 'number', raw: String(k) })) })
    expect(long.length).toBe(60)
    expect(long.endsWith('…')).toBe(true)
  })
})
