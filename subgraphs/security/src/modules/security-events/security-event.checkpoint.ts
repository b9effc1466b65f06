import { BigIntType, Entity, PrimaryKey, Property } from "@mikro-orm/core";

/**
 * How far a background job has gone along the audit chain (`alert-rules`: events evaluated
 * by the alert rules; `audit-chain`: events verified). Updated in the job's own transaction,
 * under its lock, so replicas share the work and no event is processed twice.
 */
@Entity({ tableName: "security_event_checkpoints" })
export class SecurityEventCheckpoint {
  /** The job. */
  @PrimaryKey({ type: "text" })
  name!: string;

  /** Sequence of the last event processed; 0 before the first. */
  @Property({ type: new BigIntType("number") })
  sequence!: number;

  /** Id of that event, when the job keeps it (the chain check names it in a verdict). */
  @Property({ type: "text", nullable: true })
  eventId: string | null = null;

  /** Stored hash of that event, when the job keeps it (the chain check goes on from it). */
  @Property({ type: "text", nullable: true })
  hash: string | null = null;

  /** When the job last moved it. */
  @Property({ type: "datetime" })
  updatedAt!: Date;
}
