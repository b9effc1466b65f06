import { Directive, Field, Float, ObjectType, registerEnumType } from "type-graphql";

/** Whether a component answers. */
export enum HealthStatus {
  UP = "UP",
  DOWN = "DOWN",
}

// type-graphql puts no directives on enums, so this one carries no @tag: it is reachable only
// through admin-tagged fields.
registerEnumType(HealthStatus, {
  name: "HealthStatus",
  description: "Whether a component answers.",
  valuesConfig: {
    UP: { description: "Answered within the timeout (a subgraph: its /health said 200)." },
    DOWN: { description: "Failed, timed out, or (a subgraph) reported a dependency down." },
  },
});

/** One component's health check. */
@Directive('@tag(name: "admin")')
@ObjectType("ComponentHealth", { description: "One component's health check." })
export class ComponentHealth {
  @Field(() => String, {
    description:
      "security, commerce, notifications, fulfillment, redis (memory-stores on embedded defaults) or postgres.",
  })
  name!: string;

  @Field(() => HealthStatus)
  status!: HealthStatus;

  @Field(() => Float, { nullable: true, description: "Round trip in ms; null when down." })
  latencyMs!: number | null;

  @Field(() => String, {
    nullable: true,
    description: "Why it is down, such as ECONNREFUSED or HTTP 503 (never a secret).",
  })
  error!: string | null;
}

/** The platform's components as the security subgraph sees them. */
@Directive('@tag(name: "admin")')
@ObjectType("SystemHealth", {
  description:
    "Each subgraph, Redis and PostgreSQL, checked in parallel from the security subgraph.",
})
export class SystemHealth {
  @Field(() => HealthStatus, { description: "UP when every component is UP." })
  status!: HealthStatus;

  @Field(() => [ComponentHealth], {
    description: "The four subgraphs in federation order, then redis, then postgres.",
  })
  components!: ComponentHealth[];

  @Field(() => Date)
  checkedAt!: Date;
}
