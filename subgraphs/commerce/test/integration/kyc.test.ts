import { SecurityLevel, type Identity } from "@rampart/kit";
import { startTestSubgraph, testIdentity, type TestSubgraph } from "@rampart/kit/testing";
import { commerceSubgraph } from "../../src/subgraph";

let subgraph: TestSubgraph;
beforeAll(async () => {
  subgraph = await startTestSubgraph(commerceSubgraph);
});
afterAll(() => subgraph?.stop());

let organizations = 0;
const merchantAdmin = (overrides: Partial<Identity> = {}) => {
  organizations += 1;
  return testIdentity({
    userId: `user_kyc_admin_${organizations}`,
    organizationId: `org_kyc_test_${organizations}`,
    organizationSlug: `kyc-test-${organizations}`,
    role: "org:admin",
    ...overrides,
  });
};
const reviewer = (userId = "user_rampart_reviewer") =>
  testIdentity({
    userId,
    organizationId: "org_rampart_admin",
    organizationSlug: "rampart",
    role: "org:admin",
    securityLevel: SecurityLevel.StepUp,
  });

const VERIFICATION = `organizationId status version legalName registrationNumber country
  address { line1 line2 city postalCode country }
  beneficialOwners { fullName dateOfBirth nationality ownershipPercent }
  documents { fileName contentType sizeBytes sha256 } rejectionReason submittedAt reviewedAt`;
const SAVE = `mutation($input: KycDraftInput!) { saveKycDraft(input: $input) { ${VERIFICATION} } }`;
const SUBMIT = `mutation { submitKycVerification { status version submittedAt } }`;
const OWN = `{ kycVerification { status version rejectionReason } }`;
const review = (mutation: string, extra = "") =>
  `mutation($id: ID!) { ${mutation}(organizationId: $id${extra}) { status version rejectionReason } }`;
const START = review("startKycReview");
const APPROVE = review("approveKycVerification");
const REJECT = review(
  "rejectKycVerification",
  ', reason: "The registration extract is older than three months."',
);
const LIST = `query($status: KycStatus) { kycVerifications(status: $status) {
  organizationId status legalNameMasked registrationNumberMasked beneficialOwnerCount documentCount } }`;

const COMPLETE = {
  legalName: "Zephyr Kites Ltd",
  registrationNumber: "GB-09876543",
  country: "GB",
  address: { line1: "12 Windy Lane", city: "Brighton", postalCode: "BN1 1AA", country: "GB" },
  beneficialOwners: [
    {
      fullName: "Imogen Zephyrine",
      dateOfBirth: "1988-07-21",
      nationality: "GB",
      ownershipPercent: 75,
    },
  ],
  documents: [
    {
      fileName: "certificate-of-incorporation.pdf",
      contentType: "application/pdf",
      sizeBytes: 120_000,
      sha256: "c".repeat(64),
    },
  ],
};

type Body = Awaited<ReturnType<TestSubgraph["query"]>>["body"];
const codeOf = (body: Body) => body.errors?.[0]?.extensions?.code ?? null;
const reasonOf = (body: Body) => body.errors?.[0]?.extensions?.reason ?? null;
const as = async (identity: Identity, query: string, variables?: Record<string, unknown>) =>
  (await subgraph.query(query, { identity, variables })).body;

/** A merchant whose complete verification is submitted (and, with `inReview`, under review). */
async function submitted(inReview = false) {
  const admin = merchantAdmin();
  expect(codeOf(await as(admin, SAVE, { input: COMPLETE }))).toBeNull();
  expect(codeOf(await as(admin, SUBMIT))).toBeNull();
  if (inReview)
    expect(codeOf(await as(reviewer(), START, { id: admin.organizationId }))).toBeNull();
  return admin;
}

describe("KYC verification", () => {
  it("runs draft → submitted → in_review → approved, the merchant seeing its own status", async () => {
    const admin = merchantAdmin();
    const partial = await as(admin, SAVE, { input: { legalName: "Zephyr Kites Ltd" } });
    expect(partial.data?.saveKycDraft).toMatchObject({ status: "DRAFT", version: 1 });
    // Incomplete: submitting names what is missing.
    const early = await as(admin, SUBMIT);
    expect([codeOf(early), early.errors?.[0]?.extensions?.field]).toEqual([
      "BAD_USER_INPUT",
      "verification.registrationNumber",
    ]);
    const complete = await as(admin, SAVE, { input: COMPLETE });
    expect(complete.data?.saveKycDraft).toMatchObject({
      status: "DRAFT",
      version: 2,
      address: { line2: null, city: "Brighton" },
      beneficialOwners: [{ fullName: "Imogen Zephyrine" }],
    });
    expect((await as(admin, SUBMIT)).data?.submitKycVerification).toMatchObject({
      status: "SUBMITTED",
      version: 3,
    });
    const id = admin.organizationId;
    expect((await as(reviewer(), START, { id })).data?.startKycReview).toMatchObject({
      status: "IN_REVIEW",
    });
    expect((await as(reviewer(), APPROVE, { id })).data?.approveKycVerification).toMatchObject({
      status: "APPROVED",
      version: 5,
    });
    expect(await as(admin, OWN)).toEqual({
      data: { kycVerification: { status: "APPROVED", version: 5, rejectionReason: null } },
    });
    const trail = await as(
      admin,
      `{ auditTrail(entity: KYC_VERIFICATION, id: "${id}") { action changes { field before after } } }`,
    );
    const entries = trail.data?.auditTrail as {
      changes: { field: string; before: string | null; after: string | null }[];
    }[];
    expect(entries).toHaveLength(5);
    // Personal data changes are recorded, redacted.
    expect(entries[entries.length - 1].changes).toContainEqual({
      field: "details",
      before: null,
      after: '"[redacted]"',
    });
    expect(JSON.stringify(entries)).not.toContain("Zephyr");
  });

  it("shows the merchant a rejection and its reason; a rejected verification is final", async () => {
    const admin = await submitted(true);
    const rejected = await as(reviewer(), REJECT, { id: admin.organizationId });
    expect(rejected.data?.rejectKycVerification).toMatchObject({
      status: "REJECTED",
      rejectionReason: "The registration extract is older than three months.",
    });
    expect((await as(admin, OWN)).data?.kycVerification).toMatchObject({
      status: "REJECTED",
      rejectionReason: "The registration extract is older than three months.",
    });
    const edit = await as(admin, SAVE, { input: { legalName: "Zephyr Kites Limited" } });
    expect([codeOf(edit), reasonOf(edit)]).toEqual(["BAD_USER_INPUT", "KYC_NOT_EDITABLE"]);
    const empty = await as(reviewer(), review("rejectKycVerification", ', reason: "  "'), {
      id: (await submitted(true)).organizationId,
    });
    expect([codeOf(empty), empty.errors?.[0]?.extensions?.field]).toEqual([
      "BAD_USER_INPUT",
      "reason",
    ]);
  });

  it("refuses every transition out of order with KYC_TRANSITION_NOT_ALLOWED", async () => {
    const draft = merchantAdmin();
    await as(draft, SAVE, { input: COMPLETE });
    const sent = await submitted();
    const reviewing = await submitted(true);
    const approved = await submitted(true);
    await as(reviewer(), APPROVE, { id: approved.organizationId });
    const cases: [string, Identity, string, string][] = [
      ["review a draft", reviewer(), START, draft.organizationId as string],
      ["approve a draft", reviewer(), APPROVE, draft.organizationId as string],
      [
        "approve a submitted one (skipping review)",
        reviewer(),
        APPROVE,
        sent.organizationId as string,
      ],
      ["reject a submitted one", reviewer(), REJECT, sent.organizationId as string],
      ["review twice", reviewer(), START, reviewing.organizationId as string],
      ["approve twice", reviewer(), APPROVE, approved.organizationId as string],
      ["reject an approved one", reviewer(), REJECT, approved.organizationId as string],
    ];
    for (const [name, caller, mutation, id] of cases) {
      const body = await as(caller, mutation, { id });
      expect({ name, code: codeOf(body), reason: reasonOf(body) }).toEqual({
        name,
        code: "BAD_USER_INPUT",
        reason: "KYC_TRANSITION_NOT_ALLOWED",
      });
    }
    const resubmit = await as(sent, SUBMIT);
    expect(reasonOf(resubmit)).toBe("KYC_TRANSITION_NOT_ALLOWED");
    const unknown = await as(reviewer(), START, { id: "org_never_submitted" });
    expect(codeOf(unknown)).toBe("NOT_FOUND");
  });

  it("lets only superadmins at level 3 review", async () => {
    const admin = await submitted();
    const id = admin.organizationId;
    const callers: [string, Identity, string][] = [
      ["the merchant's own admin", { ...admin, securityLevel: SecurityLevel.StepUp }, "FORBIDDEN"],
      [
        "another organization's admin",
        merchantAdmin({ securityLevel: SecurityLevel.StepUp }),
        "FORBIDDEN",
      ],
      [
        "a member of the superadmin organization",
        { ...reviewer(), role: "org:member" },
        "FORBIDDEN",
      ],
      [
        "a superadmin at level 1",
        { ...reviewer(), securityLevel: SecurityLevel.SignedIn },
        "STEP_UP_REQUIRED",
      ],
      [
        "a superadmin at level 2",
        { ...reviewer(), securityLevel: SecurityLevel.SecondFactor },
        "STEP_UP_REQUIRED",
      ],
    ];
    for (const [name, caller, code] of callers) {
      for (const query of [
        START,
        LIST,
        `query($id: ID!) { kycVerificationForReview(organizationId: $id) { legalName } }`,
      ]) {
        const body = await as(caller, query, { id });
        expect({ name, query, code: codeOf(body) }).toEqual({ name, query, code });
      }
    }
    expect((await as(admin, OWN)).data?.kycVerification).toMatchObject({ status: "SUBMITTED" });
  });

  it("of two concurrent approvals exactly one wins (compare-and-set)", async () => {
    for (let round = 0; round < 3; round += 1) {
      const admin = await submitted(true);
      const answers = await Promise.all(
        ["user_rampart_reviewer_a", "user_rampart_reviewer_b", "user_rampart_reviewer_c"].map(
          (userId, i) =>
            as(reviewer(userId), i === 2 ? REJECT : APPROVE, { id: admin.organizationId }),
        ),
      );
      const winners = answers.filter((body) => codeOf(body) === null);
      expect({ round, winners: winners.length }).toEqual({ round, winners: 1 });
      for (const loser of answers.filter((body) => codeOf(body) !== null)) {
        expect(["KYC_TRANSITION_NOT_ALLOWED", "KYC_VERSION_CONFLICT"]).toContain(reasonOf(loser));
      }
      const trail = await as(
        admin,
        `{ auditTrail(entity: KYC_VERIFICATION, id: "${admin.organizationId}") { action } }`,
      );
      // save, submit, review, and exactly one decision.
      expect((trail.data?.auditTrail as unknown[]).length).toBe(4);
    }
  });

  it("refuses a stale expectedVersion with KYC_VERSION_CONFLICT", async () => {
    const admin = await submitted();
    const body = await as(
      reviewer(),
      `mutation($id: ID!) { startKycReview(organizationId: $id, expectedVersion: 1) { status } }`,
      { id: admin.organizationId },
    );
    expect([codeOf(body), reasonOf(body)]).toEqual(["BAD_USER_INPUT", "KYC_VERSION_CONFLICT"]);
  });

  it("encrypts personal data at rest and masks it in the reviewers' list", async () => {
    const admin = await submitted();
    const rows = await subgraph.database.orm.em
      .getConnection()
      .execute(
        `select row_to_json(k)::text as row from kyc_verifications k where organization_id = ?`,
        [admin.organizationId],
      );
    const stored = (rows as { row: string }[])[0].row;
    for (const personal of [
      "Zephyr",
      "Imogen",
      "Windy Lane",
      "09876543",
      "1988-07-21",
      "certificate-of",
    ]) {
      expect({ personal, stored: stored.includes(personal) }).toEqual({ personal, stored: false });
    }
    const list = await as(reviewer(), LIST, { status: "SUBMITTED" });
    const entry = (list.data?.kycVerifications as { organizationId: string }[]).find(
      (item) => item.organizationId === admin.organizationId,
    );
    expect(entry).toEqual({
      organizationId: admin.organizationId,
      status: "SUBMITTED",
      legalNameMasked: "Z*** K*** L***",
      registrationNumberMasked: "***6543",
      beneficialOwnerCount: 1,
      documentCount: 1,
    });
    const detail = await as(
      reviewer(),
      `query($id: ID!) { kycVerificationForReview(organizationId: $id) { legalName beneficialOwners { fullName } } }`,
      { id: admin.organizationId },
    );
    expect(detail.data?.kycVerificationForReview).toEqual({
      legalName: "Zephyr Kites Ltd",
      beneficialOwners: [{ fullName: "Imogen Zephyrine" }],
    });
    // Drafts are never listed.
    const drafts = await as(reviewer(), LIST, { status: "DRAFT" });
    expect(drafts).toEqual({ data: { kycVerifications: [] } });
  });

  it("validates every field of a draft without echoing it", async () => {
    const admin = merchantAdmin();
    const cases: [Record<string, unknown>, string][] = [
      [{ country: "XX" }, "input.country"],
      [{ country: "fr" }, "input.country"],
      [{ registrationNumber: "<script>" }, "input.registrationNumber"],
      [{ address: { ...COMPLETE.address, city: "" } }, "input.address.city"],
      [
        { beneficialOwners: [{ ...COMPLETE.beneficialOwners[0], dateOfBirth: "2999-01-01" }] },
        "input.beneficialOwners.0.dateOfBirth",
      ],
      [
        { beneficialOwners: [{ ...COMPLETE.beneficialOwners[0], ownershipPercent: 101 }] },
        "input.beneficialOwners.0.ownershipPercent",
      ],
      [{ documents: [{ ...COMPLETE.documents[0], sha256: "nothex" }] }, "input.documents.0.sha256"],
      [
        { documents: [{ ...COMPLETE.documents[0], contentType: "text/html" }] },
        "input.documents.0.contentType",
      ],
      [
        { documents: [{ ...COMPLETE.documents[0], sizeBytes: 21 * 1024 * 1024 }] },
        "input.documents.0.sizeBytes",
      ],
      [
        { documents: [{ ...COMPLETE.documents[0], fileName: "../../etc/passwd" }] },
        "input.documents.0.fileName",
      ],
    ];
    for (const [input, field] of cases) {
      const body = await as(admin, SAVE, { input });
      expect({ field, code: codeOf(body), named: body.errors?.[0]?.extensions?.field }).toEqual({
        field,
        code: "BAD_USER_INPUT",
        named: field,
      });
    }
    expect(await as(admin, OWN)).toEqual({ data: { kycVerification: null } });
  });

  it("keeps one organization's verification from another's admins", async () => {
    const admin = await submitted();
    const other = merchantAdmin();
    expect(await as(other, OWN)).toEqual({ data: { kycVerification: null } });
    const trail = await as(
      other,
      `{ auditTrail(entity: KYC_VERIFICATION, id: "${admin.organizationId}") { id } }`,
    );
    expect(trail).toEqual({ data: { auditTrail: [] } });
    const member = testIdentity({ organizationId: admin.organizationId, role: "org:member" });
    expect(codeOf(await as(member, OWN))).toBe("FORBIDDEN");
    expect(codeOf(await as(member, SUBMIT))).toBe("FORBIDDEN");
  });
});
