import type { EntityManager } from "@mikro-orm/core";
import { User } from "./user.entity";

/** Reads and provisions platform users. */
export class UserService {
  constructor(private readonly em: EntityManager) {}

  /** The user with this id, or null. */
  find(id: string): Promise<User | null> {
    return this.em.findOne(User, { id });
  }

  /**
   * The signed-in user's record, created on first sight: Clerk owns the account, the platform
   * keeps what it needs about it.
   */
  async findOrProvision(id: string): Promise<User> {
    const existing = await this.find(id);
    if (existing) return existing;
    const user = this.em.create(User, {
      id,
      email: null,
      displayName: null,
      createdAt: new Date(),
    });
    await this.em.upsert(User, user, { onConflictAction: "ignore" });
    return (await this.find(id)) ?? user;
  }
}
