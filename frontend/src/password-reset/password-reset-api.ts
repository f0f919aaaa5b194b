import type { z } from "zod";
import type { passwordForgotResponseSchema, passwordResetResponseSchema } from "@anchorage/common/password-reset";
import { request } from "../api.ts";

/** The same answer whether or not the email has an account. */
export const askPasswordReset = (email: string) => request<z.infer<typeof passwordForgotResponseSchema>>("POST", "/auth/password/forgot", { email });

/** Sets the new password with the mailed link's token; signs nobody in. */
export const resetPassword = (token: string, password: string) => request<z.infer<typeof passwordResetResponseSchema>>("POST", "/auth/password/reset", { token, password });
