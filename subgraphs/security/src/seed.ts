import type { EntityManager } from "@mikro-orm/core";
import { User } from "./modules/users/user.entity";

/** Demo users; their ids match the orders and notifications seeded by the other subgraphs. */
export const demoUsers = [
  { id: "user_demo_alice", email: "alice@acme.example", displayName: "Alice Admin" },
  { id: "user_demo_bob", email: "bob@acme.example", displayName: "Bob Buyer" },
  { id: "user_demo_carol", email: "carol@globex.example", displayName: "Carol Customer" },
];

/** Inserts the demo users that are missing. */
export async function seedSecurity(em: EntityManager): Promise<void> {
  await em.upsertMany(
    User,
    demoUsers.map((user) => ({ ...user, createdAt: new Date("2026-01-01T00:00:00Z") })),
    { onConflictAction: "ignore" },
  );
}
