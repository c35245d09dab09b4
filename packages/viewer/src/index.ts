/** Lit web components that browse and compare pattern-lens data folders in the browser. */
export const PACKAGE_NAME = "@pattern-lens/viewer";
