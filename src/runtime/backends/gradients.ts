/**
 * Registers tfjs-core's gradient functions without pulling in the full `@tensorflow/tfjs` package.
 *
 * Why this is not a plain `import '@tensorflow/tfjs-core/dist/register_all_gradients.js'`:
 * the node entry of tfjs-core (`dist/tf-core.node.js`, CommonJS) contains no gradients, and the file
 * under `dist/` belongs to tfjs-core's ES-module build, which Node cannot load as published: the
 * package has no `"type": "module"` and the files use extensionless relative imports
 * (`./gradients/Abs_grad`). We therefore register a tiny Node module hook that, only for files
 * inside `@tensorflow/tfjs-core/dist/`, loads them as ES modules and adds the missing `.js`.
 *
 * Loading that tree creates a second copy of tfjs-core's modules; this is safe because tfjs keeps
 * its engine, kernel registry and gradient registry on `globalThis` and `Tensor` uses a duck-typed
 * `Symbol.hasInstance`, so the registered gradients land in the engine that our code uses.
 * Cost: about 2 s once per process (~900 small modules).
 */
import * as tf from '@tensorflow/tfjs-core'
import { register } from 'node:module'

/** Resolve/load hooks, as source text (hooks run on a loader thread and need a URL). */
const TFJS_CORE_ESM_HOOK = `
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const DIST = '/@tensorflow/tfjs-core/dist/';
const isEsmDistFile = (url) => url.includes(DIST) && url.endsWith('.js') && !/\\/tf-core[^/]*\\.js$/.test(url);
export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  if (parent && parent.includes(DIST) && specifier.startsWith('.') && !specifier.endsWith('.js')) {
    for (const candidate of [specifier + '.js', specifier + '/index.js']) {
      const url = new URL(candidate, parent);
      if (existsSync(fileURLToPath(url))) return next(url.href, context);
    }
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  return next(url, isEsmDistFile(url) ? { ...context, format: 'module' } : context);
}
`

/** Memo so the hook is registered and the gradient tree loaded once per process. */
let registering: Promise<void> | undefined

/** True when the gradients are already present (e.g. `@tensorflow/tfjs-node` brought its own). */
const gradientsPresent = (): boolean => tf.getGradient('Sigmoid') != null && tf.getGradient('Conv2D') != null

/**
 * Makes `tf.grad`/`tf.variableGrads` work for every tfjs-core op. Idempotent; resolves once the
 * gradients are registered in tfjs' global registry. Independent of the active backend.
 * @example await registerGradients(); tf.grad((x) => tf.sum(tf.sigmoid(x)))(tf.tensor1d([0]))
 */
export function registerGradients(): Promise<void> {
  registering ??= (async () => {
    if (gradientsPresent()) return
    register('data:text/javascript,' + encodeURIComponent(TFJS_CORE_ESM_HOOK))
    // A computed specifier keeps TypeScript and bundlers from resolving the untyped ESM file.
    const specifier = '@tensorflow/tfjs-core/dist/register_all_gradients.js'
    await import(specifier)
    if (!gradientsPresent()) throw new Error('tfjs-core gradients did not register')
  })()
  return registering
}
