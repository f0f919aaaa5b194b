/** The look a state in words gets (StateBadge): the words carry the meaning, the colour repeats it. */
export type Tone = "ok" | "bad" | "neutral";
