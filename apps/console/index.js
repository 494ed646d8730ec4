import { URL, fileURLToPath } from 'node:url';

/** The directory holding the built console (index.html and its files). */
export const consoleAssetsDir = fileURLToPath(new URL('./dist/', import.meta.url));
