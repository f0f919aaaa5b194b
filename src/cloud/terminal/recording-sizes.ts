/**
 * What is stored of each recording of an instance, in bytes, by session id: the sizes of its
 * segments in R2 (recordings/<instance>/<session>/<seq>, terminal-recorder.ts). This, not the
 * count kept when a session ends, is what the list reports: it is there while a session runs
 * (segments are written every few seconds) and for sessions whose end never carried a count
 * (lost with an agent restart, ended while the object was away), and it counts bytes, as the
 * download has them, where the recorder counts UTF-16 units.
 */
export async function storedRecordingSizes(bucket: R2Bucket, instanceId: string): Promise<Map<string, number>> {
  const prefix = `recordings/${instanceId}/`;
  const sizes = new Map<string, number>();
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor });
    for (const o of page.objects) {
      const session = o.key.slice(prefix.length).split("/")[0]!;
      sizes.set(session, (sizes.get(session) ?? 0) + o.size);
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return sizes;
}
