import { SessionStore } from "@rampart/kit";
import { ExitCode, UsageError, type Command } from "./command";
import { recordOperatorEvent, withStores } from "./operator";

/** Longest user id accepted, as the security subgraph's `revokeUserSessions` accepts it. */
const MAX_USER_ID_LENGTH = 64;

/** `sessions revoke-user <userId>`, `sessions revoke-all`: every replica, at once. */
export const sessionCommands: readonly Command[] = [
  {
    name: ["sessions", "revoke-user"],
    arguments: ["<userId>"],
    summary: "end every current session of one user, on every replica",
    async run({ positionals: [userId] }) {
      if (userId === "" || userId.length > MAX_USER_ID_LENGTH)
        throw new UsageError(`<userId> must be 1 to ${MAX_USER_ID_LENGTH} characters`);
      return withStores(async (stores) => {
        await new SessionStore(stores).revokeUser(userId);
        await recordOperatorEvent(stores, {
          type: "session.revoked_user",
          severity: "high",
          reason: `all sessions of ${userId} revoked`,
        });
        process.stdout.write(`every session of ${userId} revoked\n`);
        return ExitCode.Ok;
      });
    },
  },
  {
    name: ["sessions", "revoke-all"],
    summary: "end every current session of every user (everyone signs in again)",
    run: () =>
      withStores(async (stores) => {
        await new SessionStore(stores).revokeAll();
        await recordOperatorEvent(stores, {
          type: "session.revoked_all",
          severity: "critical",
          reason: "all sessions revoked",
        });
        process.stdout.write("every session revoked\n");
        return ExitCode.Ok;
      }),
  },
];
