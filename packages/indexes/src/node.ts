/** Node-only file IO for @pattern-lens/indexes. */
export const NODE_ENTRY = true;
