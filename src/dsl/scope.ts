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
  /** Weak in the process-wide scope, which lives as long as the process and must not keep layers alive. */
  readonly names: Map<object, string> | WeakMap<object, string>
  /** Who holds each name, so two layers cannot take one name by accident. */
  readonly owners: Map<string, object>
  readonly counts: Map<string, number>
  /** How often each owner was called in this trace (a layer called twice draws two dropout masks). */
  readonly calls: Map<object, number>
}

const stack: Scope[] = []
const newScope = (prefix: string): Scope => ({ prefix, names: new Map(), owners: new Map(), counts: new Map(), calls: new Map() })
const global: Scope = { ...newScope(''), names: new WeakMap() }

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
  stack.push(newScope(prefix))
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
  let name = `${s.prefix}${explicit ?? fresh(s, kind)}`
  // an automatic name may meet an explicit one ('linear0' given by hand): take the next free number
  while (explicit === undefined && s.owners.has(name)) name = `${s.prefix}${fresh(s, kind)}`
  s.names.set(owner, name)
  if (s === global) return name
  const holder = s.owners.get(name)
  if (holder !== undefined && holder !== owner)
    throw new Error(`two layers are named '${name}' in one model; name them apart (one layer called twice shares its weights)`)
  s.owners.set(name, owner)
  return name
}

/**
 * The random stream of this call of `owner` (named `name`): the name itself on the first call in a model's
 * trace, `<name>:<k>` on the k-th repeat, so a dropout layer called twice draws two masks, as PyTorch does.
 * Outside a model, and in a `sequential` (whose layers are each called once), it is the name.
 */
export const callStream = (owner: object, name: string): string => {
  const s = stack[stack.length - 1]
  if (s === undefined) return name
  const k = s.calls.get(owner) ?? 0
  s.calls.set(owner, k + 1)
  return k === 0 ? name : `${name}:${k}`
}
