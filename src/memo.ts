// Results of a pure function remembered per input, for inputs that recur (the paths,
// Accept headers and provider URLs a gateway sees over and over). Bounded: when `max`
// inputs are remembered the memo is emptied, so odd inputs cost a recomputation, never memory.

export function memoize<V>(fn: (key: string) => V, max = 1000): (key: string) => V {
  const memo = new Map<string, V>();
  return (key) => {
    if (memo.has(key)) return memo.get(key) as V;
    const value = fn(key);
    if (memo.size >= max) memo.clear();
    memo.set(key, value);
    return value;
  };
}
