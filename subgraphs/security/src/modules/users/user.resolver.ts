import { Ctx, FieldResolver, Int, Query, Resolver, Root } from "type-graphql";
import type { TwoFactorContext } from "../two-factor/two-factor.module";
import { User } from "./user.entity";
import { UserService } from "./user.service";

/** Root fields about users. */
@Resolver(() => User)
export class UserResolver {
  /** The signed-in caller; null when anonymous. */
  @Query(() => User, { nullable: true, description: "The signed-in caller; null when anonymous." })
  async me(@Ctx() { identity, em }: TwoFactorContext): Promise<User | null> {
    if (!identity.userId) return null;
    return new UserService(em).findOrProvision(identity.userId);
  }

  /** Whether two-factor authentication is on; nullable so a refusal does not null the user. */
  @FieldResolver(() => Boolean, {
    nullable: true,
    description: "Whether two-factor authentication is on (you, or a superadmin asking).",
  })
  async twoFactorEnabled(@Root() user: User, @Ctx() context: TwoFactorContext): Promise<boolean> {
    return (await context.services.twoFactor(context.em).status(user.id)).enabled;
  }

  /** The caller's current security level (0–3); null for anyone but the caller. */
  @FieldResolver(() => Int, {
    nullable: true,
    description: "Your session's security level (0-3); null for other users.",
  })
  securityLevel(@Root() user: User, @Ctx() { identity }: TwoFactorContext): number | null {
    return user.id === identity.userId ? identity.securityLevel : null;
  }
}

/** Resolves `User` entity references from other subgraphs. */
export const userReference = {
  __resolveReference: (reference: { id: string }, { em }: TwoFactorContext): Promise<User | null> =>
    new UserService(em).find(reference.id),
};
