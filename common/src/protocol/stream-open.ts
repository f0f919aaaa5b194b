import { z } from "zod";
import { httpOpenSchema, wsOpenSchema } from "./proxy.ts";
import { ptyOpenSchema } from "./terminal.ts";
import { callOpenSchema } from "./files.ts";
import { tcpOpenSchema } from "./forward.ts";

/** What a stream the DO opens to the agent is for (the OPEN frame's JSON). */
export const streamOpenSchema = z.discriminatedUnion("kind", [httpOpenSchema, wsOpenSchema, ptyOpenSchema, callOpenSchema, tcpOpenSchema]);
export type StreamOpen = z.infer<typeof streamOpenSchema>;
