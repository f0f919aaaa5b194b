/** What the Worker has checked for a TCP forward and passes to the instance's object in `x-anchorage-forward`. */
export type ForwardRequest = { instanceId: string; userId: string; name: string };
