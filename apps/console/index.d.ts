/** The directory holding the built console (index.html and its files). */
export declare const consoleAssetsDir: string;
