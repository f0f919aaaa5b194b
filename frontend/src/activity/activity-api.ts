import type { ActivityPage } from "@anchorage/common";
import { authed, request } from "../api.ts";

/** `GET /api/cloud/activity`; `query` from activityQuery (with its leading "?", or empty). */
export const getActivity = (query: string) => authed(() => request<ActivityPage>("GET", `/api/cloud/activity${query}`));
