/**
 * Durable jobs for subgraphs: pg-boss over the subgraph's own database, jobs queued in the
 * transaction that causes them, retries with backoff and jitter, dead-letter, drain on stop.
 */
export * from "./job-engine";
export type { Job } from "pg-boss";
