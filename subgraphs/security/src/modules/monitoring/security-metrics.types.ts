import { Directive, Field, Float, Int, ObjectType, registerEnumType } from "type-graphql";
import { EmergencyLockdown } from "../lockdown/lockdown.resolver";

/** How far back `securityMetrics` counts events. */
export enum MetricsWindow {
  LAST_5_MINUTES = "LAST_5_MINUTES",
  LAST_HOUR = "LAST_HOUR",
  LAST_24_HOURS = "LAST_24_HOURS",
  LAST_7_DAYS = "LAST_7_DAYS",
}

/** Length of each {@link MetricsWindow} in ms. */
export const METRICS_WINDOW_MS: Readonly<Record<MetricsWindow, number>> = Object.freeze({
  LAST_5_MINUTES: 5 * 60_000,
  LAST_HOUR: 3_600_000,
  LAST_24_HOURS: 24 * 3_600_000,
  LAST_7_DAYS: 7 * 24 * 3_600_000,
});

// type-graphql puts no directives on enums, so this one carries no @tag: it is reachable only
// through admin-tagged fields.
registerEnumType(MetricsWindow, {
  name: "MetricsWindow",
  description:
    "How far back security metrics count stored events, ending now. Seven days at most: older events stay in securityEvents.",
  valuesConfig: {
    LAST_5_MINUTES: { description: "The last 5 minutes." },
    LAST_HOUR: { description: "The last 60 minutes." },
    LAST_24_HOURS: { description: "The last 24 hours." },
    LAST_7_DAYS: { description: "The last 7 days." },
  },
});

/** How many stored events of one type fell in the window. */
@Directive('@tag(name: "admin")')
@ObjectType("SecurityEventCount", {
  description: "How many stored events of one type fell in the window.",
})
export class SecurityEventCount {
  @Field(() => String, { description: "Dotted type, such as authentication.failed." })
  type!: string;

  @Field(() => Int)
  count!: number;
}

/** Second-factor enrollment among the platform's admins. */
@Directive('@tag(name: "admin")')
@ObjectType("TwoFactorAdoption", {
  description:
    "Second-factor enrollment among admins: users who started a platform session with the org:admin role (in any organization, so superadmins too) within the last lookbackDays, as recorded by session.started events.",
})
export class TwoFactorAdoption {
  @Field(() => Int, { description: "Admins seen in the lookback period." })
  admins!: number;

  @Field(() => Int, { description: "Those of them with a confirmed second factor now." })
  enrolled!: number;

  @Field(() => Float, {
    nullable: true,
    description: "enrolled / admins, from 0 to 1; null when no admin was seen.",
  })
  rate!: number | null;

  @Field(() => Int, { description: "How many days back admins are looked for." })
  lookbackDays!: number;
}

/** Security figures over a window, from the stored security events and the shared stores. */
@Directive('@tag(name: "admin")')
@ObjectType("SecurityMetrics", {
  description:
    "Security figures: event counts over a window (from stored security events), and the current sessions, 2FA adoption and lockdown.",
})
export class SecurityMetrics {
  @Field(() => MetricsWindow)
  window!: MetricsWindow;

  @Field(() => Date, { description: "Start of the window: events at or after it are counted." })
  since!: Date;

  @Field(() => Date, { description: "When these figures were read; the window ends here." })
  sampledAt!: Date;

  @Field(() => Int, { description: "Stored events in the window, of every type." })
  totalEvents!: number;

  @Field(() => [SecurityEventCount], {
    description: "Events in the window by type, most frequent first (ties by type).",
  })
  eventCounts!: SecurityEventCount[];

  @Field(() => Int, { description: "session.started events: new platform sessions." })
  sessionsStarted!: number;

  @Field(() => Int, { description: "authentication.failed events: refused session tokens." })
  failedLogins!: number;

  @Field(() => Float, {
    nullable: true,
    description:
      "sessionsStarted / (sessionsStarted + failedLogins), from 0 to 1; null when both are 0.",
  })
  authenticationSuccessRate!: number | null;

  @Field(() => Int, { description: "ip_allowlist.refused and ip.refused events." })
  ipViolations!: number;

  @Field(() => Int, { description: "rate_limit.exceeded events." })
  rateLimitHits!: number;

  @Field(() => Int, {
    description: "Platform sessions usable now (not revoked, not expired), on every replica.",
  })
  activeSessions!: number;

  @Field(() => TwoFactorAdoption)
  twoFactorAdoption!: TwoFactorAdoption;

  @Field(() => EmergencyLockdown, { description: "The emergency lockdown switch now." })
  lockdown!: EmergencyLockdown;
}
