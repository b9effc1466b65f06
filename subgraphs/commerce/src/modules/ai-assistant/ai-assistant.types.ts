import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";

/** Where the assistant answers customers. */
export enum AssistantChannel {
  WEB_CHAT = "WEB_CHAT",
  WHATSAPP = "WHATSAPP",
  SMS = "SMS",
  EMAIL = "EMAIL",
}
registerEnumType(AssistantChannel, {
  name: "AssistantChannel",
  description: "Where the assistant answers customers.",
});

/** A day of the week. */
export enum Weekday {
  MONDAY = "MONDAY",
  TUESDAY = "TUESDAY",
  WEDNESDAY = "WEDNESDAY",
  THURSDAY = "THURSDAY",
  FRIDAY = "FRIDAY",
  SATURDAY = "SATURDAY",
  SUNDAY = "SUNDAY",
}
registerEnumType(Weekday, { name: "Weekday", description: "A day of the week." });

/** Whether an organization's assistant runs on the documented defaults or on its own settings. */
export enum AiAssistantConfigState {
  DEFAULTS = "DEFAULTS",
  CUSTOMIZED = "CUSTOMIZED",
}
registerEnumType(AiAssistantConfigState, {
  name: "AiAssistantConfigState",
  description:
    "DEFAULTS: the organization never saved a configuration (or reset it); every field shows the documented default. CUSTOMIZED: a saved configuration.",
});

/** One opening window of a day, local time of the business's time zone. */
@ObjectType("BusinessHoursWindow", { description: "One opening window of a day, local time." })
export class BusinessHoursWindow {
  @Field(() => Weekday)
  day!: Weekday;

  /** `HH:MM`, 24-hour. */
  @Field(() => String, { description: "Opening time, HH:MM (24-hour)." })
  opensAt!: string;

  /** `HH:MM`, 24-hour, after `opensAt`. */
  @Field(() => String, { description: "Closing time, HH:MM (24-hour), after opensAt." })
  closesAt!: string;
}

/** When humans are there to take over. */
@ObjectType("BusinessHours", {
  description: "When humans are there to take over; no windows means around the clock.",
})
export class BusinessHours {
  /** IANA time zone, such as `Europe/Paris`. */
  @Field(() => String, { description: "IANA time zone, such as Europe/Paris." })
  timeZone!: string;

  @Field(() => [BusinessHoursWindow])
  windows!: BusinessHoursWindow[];
}

/** When the assistant hands a conversation to a human. */
@ObjectType("HumanHandOff", { description: "When the assistant hands a conversation to a human." })
export class HumanHandOff {
  @Field(() => Boolean)
  enabled!: boolean;

  /** Hand off after this many customer messages the assistant could not resolve; null: never by count. */
  @Field(() => Int, {
    nullable: true,
    description: "Hand off after this many unresolved customer messages; null: never by count.",
  })
  afterUnresolvedMessages!: number | null;

  /** Phrases that hand off at once (such as "talk to a person"). */
  @Field(() => [String], { description: "Phrases that hand off at once." })
  triggerPhrases!: string[];
}

/** An organization's AI assistant configuration, or the documented defaults when it has none. */
@ObjectType("AiAssistantConfig", {
  description:
    "An organization's AI assistant configuration. Without a saved one, state is DEFAULTS and every field shows its documented default.",
})
export class AiAssistantConfig {
  @Field(() => ID)
  organizationId!: string;

  @Field(() => AiAssistantConfigState)
  state!: AiAssistantConfigState;

  @Field(() => String, { description: "Model name, such as gpt-4o-mini." })
  modelName!: string;

  @Field(() => Float, { description: "Sampling temperature, 0 to 2." })
  temperature!: number;

  @Field(() => Int, { description: "Most tokens in one answer, 1 to 32768." })
  maxTokens!: number;

  @Field(() => String, {
    description: "Instructions given to the model, at most 20,000 characters.",
  })
  systemPrompt!: string;

  @Field(() => [AssistantChannel])
  enabledChannels!: AssistantChannel[];

  @Field(() => BusinessHours)
  businessHours!: BusinessHours;

  @Field(() => HumanHandOff)
  handOff!: HumanHandOff;

  @Field(() => Date, { nullable: true, description: "Last saved; null in the DEFAULTS state." })
  updatedAt!: Date | null;

  @Field(() => ID, {
    nullable: true,
    description: "Who saved it last; null in the DEFAULTS state.",
  })
  updatedBy!: string | null;
}

@InputType("BusinessHoursWindowInput")
export class BusinessHoursWindowInput {
  @Field(() => Weekday)
  day!: Weekday;

  @Field(() => String)
  opensAt!: string;

  @Field(() => String)
  closesAt!: string;
}

@InputType("BusinessHoursInput")
export class BusinessHoursInput {
  @Field(() => String)
  timeZone!: string;

  @Field(() => [BusinessHoursWindowInput])
  windows!: BusinessHoursWindowInput[];
}

@InputType("HumanHandOffInput")
export class HumanHandOffInput {
  @Field(() => Boolean)
  enabled!: boolean;

  @Field(() => Int, { nullable: true })
  afterUnresolvedMessages?: number | null;

  @Field(() => [String], { nullable: true })
  triggerPhrases?: string[] | null;
}

/** What an update changes; a field left out keeps its current (or default) value. */
@InputType("AiAssistantConfigInput", {
  description: "What an update changes; a field left out keeps its current (or default) value.",
})
export class AiAssistantConfigInput {
  @Field(() => String, { nullable: true })
  modelName?: string | null;

  @Field(() => Float, { nullable: true })
  temperature?: number | null;

  @Field(() => Int, { nullable: true })
  maxTokens?: number | null;

  @Field(() => String, { nullable: true })
  systemPrompt?: string | null;

  @Field(() => [AssistantChannel], { nullable: true })
  enabledChannels?: AssistantChannel[] | null;

  @Field(() => BusinessHoursInput, { nullable: true })
  businessHours?: BusinessHoursInput | null;

  @Field(() => HumanHandOffInput, { nullable: true })
  handOff?: HumanHandOffInput | null;
}
