import { Entity, PrimaryKey, Property } from "@mikro-orm/core";
import type { AssistantChannel, Weekday } from "./ai-assistant.types";

/** Business hours as stored. */
export interface StoredBusinessHours {
  timeZone: string;
  windows: { day: Weekday; opensAt: string; closesAt: string }[];
}

/** Hand-off settings as stored. */
export interface StoredHandOff {
  enabled: boolean;
  afterUnresolvedMessages: number | null;
  triggerPhrases: string[];
}

/** An organization's saved AI assistant configuration (none saved: the defaults apply). */
@Entity({ tableName: "ai_assistant_configs" })
export class AiAssistantSettings {
  /** The organization it belongs to: one configuration per organization. */
  @PrimaryKey({ type: "string", length: 64 })
  organizationId!: string;

  @Property({ type: "string", length: 100 })
  modelName!: string;

  @Property({ type: "double" })
  temperature!: number;

  @Property({ type: "integer" })
  maxTokens!: number;

  @Property({ type: "text" })
  systemPrompt!: string;

  @Property({ type: "json" })
  enabledChannels!: AssistantChannel[];

  @Property({ type: "json" })
  businessHours!: StoredBusinessHours;

  @Property({ type: "json" })
  handOff!: StoredHandOff;

  @Property({ type: "datetime" })
  updatedAt!: Date;

  @Property({ type: "string", length: 64 })
  updatedBy!: string;
}
