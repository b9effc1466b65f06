import { RampartError } from "@rampart/kit";
import { z } from "zod";
import { AssistantChannel, Weekday } from "./ai-assistant.types";

/** Longest system prompt, in characters. */
export const MAX_SYSTEM_PROMPT = 20_000;
/** Largest `maxTokens`. */
export const MAX_TOKENS = 32_768;

const time = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a time HH:MM (24-hour), such as 09:30");

const isTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/** Every setting of an assistant, validated; also the shape of a complete configuration. */
export const aiAssistantSettingsSchema = z
  .object({
    modelName: z
      .string()
      .min(1, "must not be empty")
      .max(100, "must be at most 100 characters")
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, "must be a model name, such as gpt-4o-mini"),
    temperature: z.number().finite().min(0, "must be 0 to 2").max(2, "must be 0 to 2"),
    maxTokens: z
      .number()
      .int()
      .min(1, `must be 1 to ${MAX_TOKENS}`)
      .max(MAX_TOKENS, `must be 1 to ${MAX_TOKENS}`),
    systemPrompt: z
      .string()
      .max(MAX_SYSTEM_PROMPT, `must be at most ${MAX_SYSTEM_PROMPT} characters`),
    enabledChannels: z
      .array(z.enum(AssistantChannel))
      .max(Object.keys(AssistantChannel).length)
      .refine(
        (channels) => new Set(channels).size === channels.length,
        "must not repeat a channel",
      ),
    businessHours: z.object({
      timeZone: z
        .string()
        .max(64)
        .refine(isTimeZone, "must be an IANA time zone, such as Europe/Paris"),
      windows: z
        .array(
          z
            .object({ day: z.enum(Weekday), opensAt: time, closesAt: time })
            .refine((window) => window.opensAt < window.closesAt, {
              message: "must close after it opens",
              path: ["closesAt"],
            }),
        )
        .max(21, "must hold at most 21 windows (three a day)"),
    }),
    handOff: z.object({
      enabled: z.boolean(),
      afterUnresolvedMessages: z.number().int().min(1).max(50).nullable(),
      triggerPhrases: z
        .array(z.string().trim().min(1, "must not be empty").max(100))
        .max(20, "must hold at most 20 phrases"),
    }),
  })
  .strict();

/** A complete, valid assistant configuration. */
export type AiAssistantSettingsValue = z.infer<typeof aiAssistantSettingsSchema>;

/**
 * The documented defaults: what an organization that never saved a configuration runs on
 * (state DEFAULTS). Listed in the README.
 */
export const AI_ASSISTANT_DEFAULTS: AiAssistantSettingsValue = Object.freeze({
  modelName: "gpt-4o-mini",
  temperature: 0.7,
  maxTokens: 1024,
  systemPrompt: "",
  enabledChannels: [AssistantChannel.WEB_CHAT],
  businessHours: { timeZone: "UTC", windows: [] },
  handOff: { enabled: false, afterUnresolvedMessages: null, triggerPhrases: [] },
});

/**
 * Validates a complete configuration; the first problem is a `BAD_USER_INPUT` error whose
 * `field` is the input path (`input.businessHours.windows.0.closesAt`).
 */
export function validateAiAssistantSettings(value: unknown): AiAssistantSettingsValue {
  const result = aiAssistantSettingsSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = ["input", ...issue.path.map(String)].join(".");
  throw RampartError.badInput(`${field} ${issue.message}.`, field);
}
