/**
 * A strict JSON reader for file headers. `JSON.parse` is not enough there: it keeps the last of two equal
 * keys (safetensors forbids duplicates, and a reader must not pick one silently), turns `1e3` or `2.0` into
 * integers and rounds integers past 2^53 (offsets and dims must be exact). So this parser returns a syntax
 * tree that keeps every object entry in order and every number's source text, and never throws.
 */
import * as E from 'fp-ts/lib/Either.js'

/** A parsed JSON value: objects keep all entries in source order (duplicates included), numbers their text. */
export type Json =
  | { readonly kind: 'null' }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'number'; readonly raw: string }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'array'; readonly items: readonly Json[] }
  | { readonly kind: 'object'; readonly entries: readonly (readonly [string, Json])[] }

/** Deeper nesting than this is refused, so that a hostile header cannot exhaust the stack. */
export const MAX_JSON_DEPTH = 64

class Fail {
  constructor(readonly at: number, readonly reason: string) {}
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y

/**
 * Parses `text` as one JSON value (surrounding whitespace allowed); the Left is one line naming the
 * character offset.
 *
 * @example
 * parseJson('{"a":1,"a":2}') // Right({ kind: 'object', entries: [['a', {kind:'number',raw:'1'}], ['a', {kind:'number',raw:'2'}]] })
 * parseJson('[1,]')          // Left('expected a value but found "]" at character 3')
 */
export const parseJson = (text: string): E.Either<string, Json> => {
  let i = 0
  const ws = (): void => {
    while (i < text.length) {
      const c = text.charCodeAt(i)
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return
      i++
    }
  }
  const what = (): string => (i >= text.length ? 'end of text' : `${JSON.stringify(text[i])} at character ${i}`)
  const fail = (expected: string): never => {
    throw new Fail(i, `expected ${expected} but found ${what()}`)
  }
  const string = (): string => {
    const start = i
    i++ // the opening quote
    for (;;) {
      if (i >= text.length) throw new Fail(start, `unterminated string starting at character ${start}`)
      const c = text.charCodeAt(i)
      if (c === 0x22) break
      if (c < 0x20) throw new Fail(i, `control character in a string at character ${i}`)
      i += c === 0x5c ? 2 : 1
    }
    i++
    try {
      // The slice is a complete string literal; JSON.parse decodes (and checks) its escapes.
      return JSON.parse(text.slice(start, i)) as string
    } catch {
      throw new Fail(start, `invalid escape in the string starting at character ${start}`)
    }
  }
  const value = (depth: number): Json => {
    if (depth > MAX_JSON_DEPTH) throw new Fail(i, `nesting deeper than ${MAX_JSON_DEPTH} levels at character ${i}`)
    ws()
    const c = text[i]
    if (c === '{') {
      i++
      const entries: (readonly [string, Json])[] = []
      ws()
      if (text[i] === '}') {
        i++
        return { kind: 'object', entries }
      }
      for (;;) {
        ws()
        if (text[i] !== '"') fail('a key string')
        const key = string()
        ws()
        if (text[i] !== ':') fail("':'")
        i++
        entries.push([key, value(depth + 1)])
        ws()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === '}') {
          i++
          return { kind: 'object', entries }
        }
        fail("',' or '}'")
      }
    }
    if (c === '[') {
      i++
      const items: Json[] = []
      ws()
      if (text[i] === ']') {
        i++
        return { kind: 'array', items }
      }
      for (;;) {
        items.push(value(depth + 1))
        ws()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === ']') {
          i++
          return { kind: 'array', items }
        }
        fail("',' or ']'")
      }
    }
    if (c === '"') return { kind: 'string', value: string() }
    for (const [word, v] of [
      ['true', { kind: 'boolean', value: true }],
      ['false', { kind: 'boolean', value: false }],
      ['null', { kind: 'null' }],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length
        return v
      }
    }
    NUMBER.lastIndex = i
    const m = NUMBER.exec(text)
    if (m === null) return fail('a value')
    i += m[0].length
    return { kind: 'number', raw: m[0] }
  }
  try {
    const v = value(0)
    ws()
    if (i < text.length) fail('end of text')
    return E.right(v)
  } catch (e) {
    if (e instanceof Fail) return E.left(e.reason)
    throw e
  }
}

/**
 * A short one-line rendering of a parsed value for error messages (long values are cut with `…`).
 *
 * @example
 * showJson({ kind: 'array', items: [{ kind: 'number', raw: '6' }, { kind: 'string', value: 'N' }] }) // '[6, "N"]'
 */
export const showJson = (j: Json, max = 60): string => {
  let out = ''
  // Stops once past `max`, so a huge array in a hostile header costs no more than a short one.
  const put = (v: Json): void => {
    if (out.length > max) return
    switch (v.kind) {
      case 'null':
        out += 'null'
        return
      case 'boolean':
        out += String(v.value)
        return
      case 'number':
        out += v.raw.slice(0, max + 1)
        return
      case 'string':
        out += JSON.stringify(v.value.slice(0, max + 1))
        return
      case 'array':
        out += '['
        for (const [k, x] of v.items.entries()) {
          if (out.length > max) break
          if (k > 0) out += ', '
          put(x)
        }
        out += ']'
        return
      case 'object':
        out += '{'
        for (const [k, [key, x]] of v.entries.entries()) {
          if (out.length > max) break
          if (k > 0) out += ', '
          out += `${JSON.stringify(key.slice(0, max + 1))}: `
          put(x)
        }
        out += '}'
        return
    }
  }
  put(j)
  const s = out.replace(/[\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16)}`)
  return s.length > max ? `${s.slice(0, max - 1)}…` : s
}
