import type { SubgraphContext } from "@rampart/kit";
import { Ctx, Query, Resolver } from "type-graphql";
import { User } from "./user.entity";
import { UserService } from "./user.service";

/** Root fields about users. */
@Resolver(() => User)
export class UserResolver {
  /** The signed-in caller; null when anonymous. */
  @Query(() => User, { nullable: true, description: "The signed-in caller; null when anonymous." })
  async me(@Ctx() { identity, em }: SubgraphContext): Promise<User | null> {
    if (!identity.userId) return null;
    return new UserService(em).findOrProvision(identity.userId);
  }
}

/** Resolves `User` entity references from other subgraphs. */
export const userReference = {
  __resolveReference: (reference: { id: string }, { em }: SubgraphContext): Promise<User | null> =>
    new UserService(em).find(reference.id),
};
