/**
 * Structural equality for JSON-like values (what a provider body holds): outputs are
 * compared by value, since every poll parses a fresh object. Iterative, with an explicit
 * stack: a body nested 100,000 deep must not overflow the call stack. Pairs already under
 * comparison count as equal, so a cyclic value (from a user's source) ends too.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  const stack = [a, b];
  const seen = new Map<object, Set<object>>();
  while (stack.length > 0) {
    const y = stack.pop();
    const x = stack.pop();
    if (Object.is(x, y)) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    if (Array.isArray(x) !== Array.isArray(y)) return false;
    const pairs = seen.get(x) ?? new Set<object>();
    if (pairs.has(y)) continue;
    seen.set(x, pairs.add(y));
    const kx = Object.keys(x);
    if (kx.length !== Object.keys(y).length) return false;
    for (const k of kx) {
      if (!Object.prototype.hasOwnProperty.call(y, k)) return false;
      stack.push((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k]);
    }
  }
  return true;
}
