/**
 * Dead-code elimination. A graph is identified by its roots and a node lives exactly when a root reaches
 * it, so nodes that earlier passes replaced are already gone from the rewritten graph: they are just
 * unreferenced (and garbage once the caller drops them). This pass makes that explicit and checkable:
 * it visits the reachable set once and returns the roots, so `topo(dce(roots))` (or graph.ts's
 * `graphOf`) lists the live nodes and leaves, and nothing else.
 */
import { rebuild, rewrite } from '../graph.js'
import type { Pass } from './rewrite.js'

/**
 * Keeps only what the roots reach.
 *
 * @example
 * topo(dce([y])) // the nodes y needs, nothing else
 */
export const dce: Pass = (roots) => rewrite(roots, rebuild)
