// Deterministic generators of Feldera-layout storage directories.
export {};
