/**
 * Where a layer sits in a model, as the names of its parameter leaves. A model traces its body inside a
 * scope; each layer (or sub-model) the body calls gets its name there on first use: its explicit name
 * (`.named('c1')`) or its kind and a per-scope counter (`linear0`, `linear1`, `conv2d0`, as Flax names
 * `Dense_0`), prefixed with the scope's own path. So a model's parameter names depend only on the model
 * (the order its body calls its layers), never on how many layers the process made before, and a layer
 * object called twice shares its parameters (weight tying), as in PyTorch.
 *
 * Outside any model (a layer applied to an input directly) a layer keeps one process-wide name.
 */

interface Scope {
  readonly prefix: string
  readonly names: Map<object, string>
  readonly counts: Map<string, number>
}

const stack: Scope[] = []
const global: Scope = { prefix: '', names: new Map(), counts: new Map() }

const fresh = (s: Scope, kind: string): string => {
  const base = kind.toLowerCase()
  const n = s.counts.get(base) ?? 0
  s.counts.set(base, n + 1)
  return `${base}${n}`
}

/**
 * Runs `body` in a new naming scope whose leaves are prefixed by `prefix` (e.g. '' for a top-level
 * model, 'block0.' for a sub-model).
 *
 * @example
 * inScope('', () => lin(x)) // lin's leaves: 'linear0.weight', 'linear0.bias'
 */
export const inScope = <A>(prefix: string, body: () => A): A => {
  stack.push({ prefix, names: new Map(), counts: new Map() })
  try {
    return body()
  } finally {
    stack.pop()
  }
}

/** Whether a model is being traced (so a sub-model nests its names under its own). */
export const insideScope = (): boolean => stack.length > 0

/**
 * The full name of `owner` at the current place: `explicit` or a fresh `<kind><k>`, under the scope's prefix.
 *
 * @example
 * inScope('', () => [placeName(a, 'Linear'), placeName(b, 'Linear'), placeName(a, 'Linear')]) // ['linear0', 'linear1', 'linear0']
 */
export const placeName = (owner: object, kind: string, explicit?: string): string => {
  const s = stack[stack.length - 1] ?? global
  const known = s.names.get(owner)
  if (known !== undefined) return known
  const name = `${s.prefix}${explicit ?? fresh(s, kind)}`
  s.names.set(owner, name)
  return name
}
