/** Registry and parallel runner of figure functions over saved attention patterns. */
export const PACKAGE_NAME = "@pattern-lens/figures";
