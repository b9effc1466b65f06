import { Client } from "pg";
import { withPostgres } from "@rampart/kit/testing";
import { completedEnv, envExample } from "../support/compose";
import {
  composeEnvironment,
  startComposePostgres,
  type ComposePostgres,
} from "../support/compose-services";

// compose/postgres/initdb/10-rampart-roles.sh run as the postgres image runs it on an empty
// volume, with the postgres service's environment from docker-compose.yml, on a fresh cluster
// of this test's own that requires passwords (roles are cluster-wide). Then each subgraph's
// DATABASE_URL from the compose file, pointed at that cluster, is tried for what it may and may
// not do.

const subgraphs = ["security", "commerce", "notifications", "fulfillment"] as const;
type Subgraph = (typeof subgraphs)[number];

let postgres: ComposePostgres;
const env = completedEnv();
/** Each subgraph's DATABASE_URL as compose gives it, pointed at the test cluster. */
const urlOf = (subgraph: Subgraph): string =>
  postgres.local(composeEnvironment(env, subgraph).DATABASE_URL);

/** Runs `sql` as `url`'s user and returns the error code (or "ok"). */
async function attempt(url: string, sql: string): Promise<string> {
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    await client.query(sql);
    return "ok";
  } catch (error) {
    return (error as { code?: string }).code ?? (error as Error).message;
  } finally {
    await client.end().catch(() => {});
  }
}

beforeAll(async () => {
  postgres = await startComposePostgres();
});
afterAll(async () => {
  await postgres?.remove();
});

describe("without the role passwords (.env.example alone)", () => {
  it("refuses to create any role and names every missing password", async () => {
    const run = postgres.runInitScript(composeEnvironment(envExample(), "postgres"));
    expect(run.status).toBe(1);
    for (const name of subgraphs) expect(run.stderr).toContain(`${name.toUpperCase()}_DB_PASSWORD`);
    const roles = await withPostgres(postgres.superuserUrl, (client) =>
      client.query("select rolname from pg_roles where rolname like 'rampart\\_%'"),
    );
    expect(roles.rows).toEqual([]);
  });
});

describe("with the generated passwords", () => {
  beforeAll(() => {
    const run = postgres.runInitScript(composeEnvironment(env, "postgres"));
    expect(run).toMatchObject({ status: 0, stderr: "" });
  });

  it("creates one login role per subgraph with no power beyond it", async () => {
    const roles = await withPostgres(postgres.superuserUrl, (client) =>
      client.query(
        `select rolname, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls,
                rolcanlogin, rolinherit
           from pg_roles where rolname like 'rampart\\_%' order by rolname`,
      ),
    );
    expect(roles.rows).toEqual(
      [...subgraphs].sort().map((name) => ({
        rolname: `rampart_${name}`,
        rolsuper: false,
        rolcreatedb: false,
        rolcreaterole: false,
        rolreplication: false,
        rolbypassrls: false,
        rolcanlogin: true,
        rolinherit: false,
      })),
    );
  });

  it.each(subgraphs)("%s's role owns its schema and works in it", async (subgraph) => {
    const url = urlOf(subgraph);
    expect(await attempt(url, "create table own_table (id int primary key)")).toBe("ok");
    expect(await attempt(url, "insert into own_table values (1)")).toBe("ok");
    const owner = await withPostgres(url, (client) =>
      client.query(
        "select nspname, pg_get_userbyid(nspowner) as owner, current_schema() as current from pg_namespace where nspname = $1",
        [subgraph],
      ),
    );
    expect(owner.rows).toEqual([
      { nspname: subgraph, owner: `rampart_${subgraph}`, current: subgraph },
    ]);
    expect(await attempt(url, "drop table own_table")).toBe("ok");
  });

  it.each(subgraphs)(
    "%s's role cannot see or touch another subgraph's schema",
    async (subgraph) => {
      const url = urlOf(subgraph);
      for (const other of subgraphs.filter((name) => name !== subgraph)) {
        await withPostgres(urlOf(other), (client) =>
          client.query(
            "create table if not exists secret_rows (value text); insert into secret_rows values ('x')",
          ),
        );
        // 42501: insufficient_privilege.
        expect({ other, read: await attempt(url, `select * from ${other}.secret_rows`) }).toEqual({
          other,
          read: "42501",
        });
        expect({
          other,
          write: await attempt(url, `create table ${other}.intruder (id int)`),
        }).toEqual({ other, write: "42501" });
        expect({ other, drop: await attempt(url, `drop schema ${other} cascade`) }).toEqual({
          other,
          drop: "42501",
        });
      }
    },
  );

  it.each(subgraphs)(
    "%s's role cannot create schemas, use public, or create databases or roles",
    async (subgraph) => {
      const url = urlOf(subgraph);
      expect(await attempt(url, "create schema elsewhere")).toBe("42501");
      expect(await attempt(url, "create table public.leak (id int)")).toBe("42501");
      expect(await attempt(url, "create temporary table scratch (id int)")).toBe("42501");
      expect(await attempt(url, "create database another")).toBe("42501");
      expect(await attempt(url, "create role another")).toBe("42501");
      expect(await attempt(url, `alter role rampart_${subgraph} superuser`)).toBe("42501");
    },
  );

  it("refuses a wrong password, the superuser's password for a role, and PUBLIC's connect", async () => {
    const wrong = new URL(urlOf("commerce"));
    wrong.password = "not-the-password-at-all";
    expect(await attempt(wrong.toString(), "select 1")).toBe("28P01"); // invalid_password
    const borrowed = new URL(urlOf("commerce"));
    borrowed.password = encodeURIComponent(env.SECURITY_DB_PASSWORD);
    expect(await attempt(borrowed.toString(), "select 1")).toBe("28P01");
    await withPostgres(postgres.superuserUrl, (client) =>
      client.query("create role bystander login password 'bystander-password-1'"),
    );
    const bystander = new URL(postgres.superuserUrl);
    bystander.username = "bystander";
    bystander.password = "bystander-password-1";
    expect(await attempt(bystander.toString(), "select 1")).toBe("42501");
  });
});
