/**
 * Where a terminal session's recording lives in R2: numbered segments under
 * `recordings/<instance>/<session>/`, written by the InstanceDO's recorder
 * (durable-objects/instance/terminal-recorder.ts) and read back whole by the Worker's download route.
 */

export const recordingPrefix = (instanceId: string, sessionId: string) => `recordings/${instanceId}/${sessionId}/`;

/** The whole recording as one stream: its segments, in order. */
export async function readRecording(bucket: R2Bucket, prefix: string): Promise<ReadableStream<Uint8Array> | null> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  if (!keys.length) return null;
  keys.sort();
  let i = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const key = keys[i++];
      if (key === undefined) return controller.close();
      const obj = await bucket.get(key);
      if (obj) controller.enqueue(new Uint8Array(await obj.arrayBuffer()));
    },
  });
}
