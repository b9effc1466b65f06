/** The security events' hash chain: hashing, verification, and reading it from the database. */
export * from "./chain";
export * from "./stored";
