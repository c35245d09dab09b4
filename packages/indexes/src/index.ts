/** The pattern-lens on-disk contract: zod schemas, paths, prompt hashes, npy/npz and JSONL codecs. */
export const PACKAGE_NAME = "@pattern-lens/indexes";
