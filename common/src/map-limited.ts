/**
 * `fn` over the items with at most `limit` running at a time, the results in the items' order.
 * After the first failure no new item starts; the running ones are waited for, then that failure
 * is thrown, so nothing is still in flight when the caller moves on (a retry never races the
 * attempt before it). Used by the sync's transfer on both sides (the DO and the agent).
 */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let failure: { error: unknown } | null = null;
  let next = 0;
  const worker = async () => {
    while (!failure && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw (failure as { error: unknown }).error;
  return results;
}
