/** Models from anywhere for pattern-lens: Hugging Face hub cache and download, aliases, llama2.c checkpoints. */
export const PACKAGE_NAME = "@pattern-lens/models";
