// Jest global setup: finds out once whether PostgreSQL and Redis answer, and tells every test
// through RAMPART_TEST_DATABASE_URL / RAMPART_TEST_REDIS_URL (unset = use the embedded ones).
// With RAMPART_REQUIRE_SERVICES=1 an unreachable service fails the run instead.
const net = require("node:net");
const { Client } = require("pg");

const databaseUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";
const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";

async function postgresAnswers() {
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function redisAnswers() {
  const { hostname, port } = new URL(redisUrl);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379) });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

module.exports = async function globalSetup() {
  const [postgres, redis] = await Promise.all([postgresAnswers(), redisAnswers()]);
  const missing = [
    !postgres && `PostgreSQL (${databaseUrl})`,
    !redis && `Redis (${redisUrl})`,
  ].filter(Boolean);
  if (missing.length > 0 && process.env.RAMPART_REQUIRE_SERVICES === "1") {
    throw new Error(`RAMPART_REQUIRE_SERVICES=1 but ${missing.join(" and ")} did not answer`);
  }
  if (postgres) process.env.RAMPART_TEST_DATABASE_URL = databaseUrl;
  else delete process.env.RAMPART_TEST_DATABASE_URL;
  if (redis) process.env.RAMPART_TEST_REDIS_URL = redisUrl;
  else delete process.env.RAMPART_TEST_REDIS_URL;
  process.stdout.write(
    missing.length === 0
      ? `\nintegration tiers: real PostgreSQL (${databaseUrl}) and Redis (${redisUrl})\n`
      : `\nintegration tiers: ${missing.join(" and ")} unreachable, using the embedded implementation instead\n`,
  );
};
