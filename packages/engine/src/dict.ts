/**
 * A record keyed by names from input (table names, input endpoint names) without a prototype, so a
 * name such as `__proto__`, `constructor` or `toString` is a key like any other: assigning it never
 * changes the object's prototype, and reading a missing one never finds an inherited member.
 */
export function dict<T>(from?: Readonly<Record<string, T>>): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  // Copying into a prototype-less object defines own properties, even for `__proto__`.
  if (from) for (const key of Object.keys(from)) out[key] = from[key]!;
  return out;
}
