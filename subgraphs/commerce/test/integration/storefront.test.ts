import { SecurityLevel, type Identity } from "@rampart/kit";
import { startTestSubgraph, testIdentity, type TestSubgraph } from "@rampart/kit/testing";
import { LAYOUT_LIMITS } from "../../src/modules/storefront/storefront-layout";
import { commerceSubgraph } from "../../src/subgraph";

let subgraph: TestSubgraph;
beforeAll(async () => {
  subgraph = await startTestSubgraph(commerceSubgraph);
});
afterAll(() => subgraph?.stop());

const acmeAdmin = testIdentity({ role: "org:admin" });
const acmeEditor = testIdentity({ userId: "user_demo_erin", role: "org:editor" });
const globexAdmin = testIdentity({
  userId: "user_demo_carol",
  organizationId: "org_demo_globex",
  organizationSlug: "globex",
  role: "org:admin",
  securityLevel: SecurityLevel.StepUp,
});

const PUBLIC = `query($slug: String!, $path: String!) { storefrontPage(organizationSlug: $slug, path: $path) {
  organizationSlug path version blocks publishedAt } }`;
const LAYOUT = `id path draftBlocks draftUpdatedBy publishedVersion versions { number blocks publishedBy }`;
const SAVE = `mutation($path: String!, $blocks: JSON!) { saveStorefrontPageDraft(path: $path, blocks: $blocks) { ${LAYOUT} } }`;
const PUBLISH = `mutation($path: String!) { publishStorefrontPage(path: $path) { ${LAYOUT} } }`;
const ROLLBACK = `mutation($path: String!, $version: Int!) { rollbackStorefrontPage(path: $path, version: $version) { ${LAYOUT} } }`;

type Body = Awaited<ReturnType<TestSubgraph["query"]>>["body"];
const codeOf = (body: Body) => body.errors?.[0]?.extensions?.code ?? null;
const as = async (identity: Identity | null, query: string, variables?: Record<string, unknown>) =>
  (await subgraph.query(query, { identity: identity ?? undefined, variables })).body;

let pages = 0;
const newPath = () => `/test-page-${(pages += 1)}`;
const text = (value: string) => ({ type: "TEXT", text: value });

describe("storefront page layouts", () => {
  it("show anyone the published page, never the draft", async () => {
    const body = await as(null, PUBLIC, { slug: "acme", path: "/" });
    const page = body.data?.storefrontPage as { version: number; blocks: { type: string }[] };
    expect(page).toMatchObject({ organizationSlug: "acme", path: "/", version: 1 });
    // The seeded draft has an FAQ block the published version has not.
    expect(page.blocks.map((block) => block.type)).toEqual(["HERO", "PRODUCT_GRID", "CHAT_WIDGET"]);
    expect(await as(null, PUBLIC, { slug: "acme", path: "/nowhere" })).toEqual({
      data: { storefrontPage: null },
    });
    expect(await as(null, PUBLIC, { slug: "no-such-shop", path: "/" })).toEqual({
      data: { storefrontPage: null },
    });
  });

  it("keep drafts private until an admin publishes; history and rollback publish new versions", async () => {
    const path = newPath();
    const saved = await as(acmeEditor, SAVE, { path, blocks: [text("First words.")] });
    expect(saved.data?.saveStorefrontPageDraft).toMatchObject({
      path,
      publishedVersion: null,
      draftUpdatedBy: "user_demo_erin",
      versions: [],
    });
    expect(await as(null, PUBLIC, { slug: "acme", path })).toEqual({
      data: { storefrontPage: null },
    });

    const first = await as(acmeAdmin, PUBLISH, { path });
    expect(first.data?.publishStorefrontPage).toMatchObject({ publishedVersion: 1 });
    await as(acmeEditor, SAVE, { path, blocks: [text("Second words.")] });
    expect(
      ((await as(null, PUBLIC, { slug: "acme", path })).data?.storefrontPage as { blocks: unknown })
        .blocks,
    ).toEqual([text("First words.")]);
    await as(acmeAdmin, PUBLISH, { path });
    expect((await as(null, PUBLIC, { slug: "acme", path })).data?.storefrontPage).toMatchObject({
      version: 2,
      blocks: [text("Second words.")],
    });

    const rolledBack = await as(acmeAdmin, ROLLBACK, { path, version: 1 });
    expect(rolledBack.data?.rollbackStorefrontPage).toMatchObject({
      publishedVersion: 3,
      draftBlocks: [text("First words.")],
      versions: [
        { number: 3, blocks: [text("First words.")] },
        { number: 2, blocks: [text("Second words.")] },
        { number: 1, blocks: [text("First words.")] },
      ],
    });
    expect((await as(null, PUBLIC, { slug: "acme", path })).data?.storefrontPage).toMatchObject({
      version: 3,
      blocks: [text("First words.")],
    });
    const missing = await as(acmeAdmin, ROLLBACK, { path, version: 99 });
    expect(codeOf(missing)).toBe("NOT_FOUND");

    const id = (saved.data?.saveStorefrontPageDraft as { id: string }).id;
    const trail = await as(
      acmeAdmin,
      `{ auditTrail(entity: STOREFRONT_PAGE, id: "${id}") { action actorId } }`,
    );
    expect((trail.data?.auditTrail as { actorId: string }[]).map((entry) => entry.actorId)).toEqual(
      ["user_demo_alice", "user_demo_alice", "user_demo_erin", "user_demo_alice", "user_demo_erin"],
    );
  });

  it("let editors edit drafts but only admins publish or roll back; members and customers neither", async () => {
    const path = newPath();
    expect(codeOf(await as(acmeEditor, SAVE, { path, blocks: [text("Draft.")] }))).toBeNull();
    for (const [query, variables] of [
      [PUBLISH, { path }],
      [ROLLBACK, { path, version: 1 }],
    ] as const) {
      expect(codeOf(await as(acmeEditor, query, variables))).toBe("FORBIDDEN");
    }
    for (const role of ["org:member", "org:customer"]) {
      const caller = testIdentity({ userId: "user_demo_bob", role });
      expect(codeOf(await as(caller, SAVE, { path, blocks: [text("Hijack.")] }))).toBe("FORBIDDEN");
      expect(codeOf(await as(caller, "{ storefrontPageLayouts { path } }"))).toBe("FORBIDDEN");
    }
    expect(codeOf(await as(null, SAVE, { path, blocks: [] }))).toBe("UNAUTHENTICATED");
  });

  it("keep each organization's pages to itself", async () => {
    const layouts = await as(globexAdmin, "{ storefrontPageLayouts { path organizationId } }");
    expect(layouts).toEqual({ data: { storefrontPageLayouts: [] } });
    // Globex has no "/" page of its own: publishing it finds nothing, and Acme's is untouched.
    expect(codeOf(await as(globexAdmin, PUBLISH, { path: "/" }))).toBe("NOT_FOUND");
    expect(codeOf(await as(globexAdmin, ROLLBACK, { path: "/", version: 1 }))).toBe("NOT_FOUND");
    expect(
      (await as(null, PUBLIC, { slug: "acme", path: "/" })).data?.storefrontPage,
    ).toMatchObject({
      version: 1,
    });
  });

  it("refuse invalid layouts with BAD_USER_INPUT naming the field", async () => {
    let deep: Record<string, unknown> = text("bottom");
    for (let i = 0; i < 1_000; i += 1) deep = { type: "HERO", heading: "h", children: [deep] };
    const cases: [unknown, string, string | null][] = [
      [[{ type: "MARQUEE", text: "hi" }], "blocks.0.type", null],
      [[{ type: "TEXT" }], "blocks.0.text", null],
      [[{ type: "TEXT", text: "x", onclick: "alert(1)" }], "blocks.0", null],
      [[{ type: "IMAGE", url: "http://cdn.example/a.png", alt: "" }], "blocks.0.url", null],
      [[{ type: "IMAGE", url: "javascript:alert(1)", alt: "" }], "blocks.0.url", null],
      [[{ type: "HERO", heading: "x".repeat(121) }], "blocks.0.heading", null],
      [[deep], "blocks", "LAYOUT_TOO_DEEP"],
      [
        Array.from({ length: LAYOUT_LIMITS.maxBlocks + 1 }, () => text("a")),
        "blocks",
        "LAYOUT_TOO_LARGE",
      ],
      [[text("x".repeat(LAYOUT_LIMITS.maxChars))], "blocks", "LAYOUT_TOO_LARGE"],
      [{ type: "TEXT", text: "not a list" }, "blocks", null],
    ];
    for (const [blocks, field, reason] of cases) {
      const body = await as(acmeAdmin, SAVE, { path: "/invalid", blocks });
      expect({
        field,
        code: codeOf(body),
        named: body.errors?.[0]?.extensions?.field,
        reason: body.errors?.[0]?.extensions?.reason ?? null,
      }).toEqual({ field, code: "BAD_USER_INPUT", named: field, reason });
    }
    const badPath = await as(acmeAdmin, SAVE, { path: "/../admin", blocks: [] });
    expect([codeOf(badPath), badPath.errors?.[0]?.extensions?.field]).toEqual([
      "BAD_USER_INPUT",
      "path",
    ]);
    const layouts = await as(acmeAdmin, "{ storefrontPageLayouts { path } }");
    expect(JSON.stringify(layouts)).not.toContain("/invalid");
  });

  it("store HTML and script in text as data and return it unchanged, as JSON", async () => {
    const path = newPath();
    const hostile = `<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"`;
    await as(acmeAdmin, SAVE, {
      path,
      blocks: [
        text(hostile),
        { type: "FAQ", items: [{ question: "<b>Bold?</b>", answer: hostile }] },
      ],
    });
    await as(acmeAdmin, PUBLISH, { path });
    const response = await subgraph.query(PUBLIC, { variables: { slug: "acme", path } });
    expect(response.headers.get("content-type")).toMatch(/^application\/(graphql-response\+)?json/);
    expect((response.body.data?.storefrontPage as { blocks: unknown }).blocks).toEqual([
      text(hostile),
      { type: "FAQ", items: [{ question: "<b>Bold?</b>", answer: hostile }] },
    ]);
  });

  it("number concurrent publishes one after another (the page's lock)", async () => {
    const path = newPath();
    await as(acmeAdmin, SAVE, { path, blocks: [text("Busy day.")] });
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => as(acmeAdmin, PUBLISH, { path })),
    );
    expect(answers.map(codeOf)).toEqual([null, null, null, null, null]);
    const versions = answers.map(
      (body) => (body.data?.publishStorefrontPage as { publishedVersion: number }).publishedVersion,
    );
    expect([...versions].sort()).toEqual([1, 2, 3, 4, 5]);
  });
});
