import type { EntityManager } from "@mikro-orm/core";
import type { SecretBox } from "@rampart/kit";
import { AiAssistantSettings } from "./modules/ai-assistant/ai-assistant.entity";
import { AssistantChannel, Weekday } from "./modules/ai-assistant/ai-assistant.types";
import { Order, OrderStatus } from "./modules/orders/order.entity";
import { Organization } from "./modules/organizations/organization.entity";
import { PaymentSettingsRecord } from "./modules/payment-settings/payment-settings.entity";
import { PaymentProvider, PayoutSchedule } from "./modules/payment-settings/payment-settings.types";
import { sealPaymentSecret } from "./modules/payment-settings/payment-settings.service";
import { KycVerificationRecord } from "./modules/kyc/kyc.entity";
import { sealKycDetails } from "./modules/kyc/kyc.service";
import { KycStatus } from "./modules/kyc/kyc.types";
import type { KycDetails } from "./modules/kyc/kyc.validation";
import { Product } from "./modules/products/product.entity";
import { StorefrontPage, StorefrontPageVersion } from "./modules/storefront/storefront-page.entity";
import type { LayoutBlock } from "./modules/storefront/storefront-layout";

const day = (n: number) => new Date(Date.UTC(2026, 10, n, 12));

/** Inserts the demo tenants, catalogue, orders, Acme's home page and assistant that are missing. */
export async function seedCommerce(em: EntityManager): Promise<void> {
  await em.upsertMany(
    Organization,
    [
      { id: "org_demo_acme", slug: "acme", name: "Acme Outfitters", createdAt: day(1) },
      { id: "org_demo_globex", slug: "globex", name: "Globex Market", createdAt: day(1) },
    ],
    { onConflictAction: "ignore" },
  );
  await em.upsertMany(
    Product,
    [
      {
        id: "prod_acme_tent",
        organizationId: "org_demo_acme",
        sku: "TENT-2P",
        name: "Two-person tent",
        priceCents: 18900,
        currency: "USD",
      },
      {
        id: "prod_acme_stove",
        organizationId: "org_demo_acme",
        sku: "STOVE-1",
        name: "Camp stove",
        priceCents: 5400,
        currency: "USD",
      },
      {
        id: "prod_globex_lamp",
        organizationId: "org_demo_globex",
        sku: "LAMP-9",
        name: "Desk lamp",
        priceCents: 3900,
        currency: "EUR",
      },
    ],
    { onConflictAction: "ignore" },
  );
  await em.upsertMany(
    Order,
    [
      {
        id: "ord_acme_1001",
        organizationId: "org_demo_acme",
        customerId: "user_demo_bob",
        status: OrderStatus.FULFILLED,
        totalCents: 18900,
        currency: "USD",
        createdAt: day(20),
      },
      {
        id: "ord_acme_1002",
        organizationId: "org_demo_acme",
        customerId: "user_demo_bob",
        status: OrderStatus.PAID,
        totalCents: 5400,
        currency: "USD",
        createdAt: day(25),
      },
      {
        id: "ord_globex_2001",
        organizationId: "org_demo_globex",
        customerId: "user_demo_carol",
        status: OrderStatus.PAID,
        totalCents: 3900,
        currency: "EUR",
        createdAt: day(26),
      },
    ],
    { onConflictAction: "ignore" },
  );
  await seedStorefront(em);
  // Acme has customized its assistant; Globex runs on the defaults (state DEFAULTS).
  const weekdays = [Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY];
  await em.upsertMany(
    AiAssistantSettings,
    [
      {
        organizationId: "org_demo_acme",
        modelName: "gpt-4o-mini",
        temperature: 0.4,
        maxTokens: 800,
        systemPrompt:
          "You are Acme Outfitters' shop assistant. Help customers choose camping gear and track their orders.",
        enabledChannels: [AssistantChannel.WEB_CHAT, AssistantChannel.WHATSAPP],
        businessHours: {
          timeZone: "America/Denver",
          windows: [...weekdays, Weekday.FRIDAY].map((day) => ({
            day,
            opensAt: "09:00",
            closesAt: "17:00",
          })),
        },
        handOff: {
          enabled: true,
          afterUnresolvedMessages: 3,
          triggerPhrases: ["talk to a person"],
        },
        updatedAt: day(2),
        updatedBy: "user_demo_alice",
      },
    ],
    { onConflictAction: "ignore" },
  );
}

/** Acme's home page: version 1 published, and a draft with one more block. */
async function seedStorefront(em: EntityManager): Promise<void> {
  const published: LayoutBlock[] = [
    {
      type: "HERO",
      heading: "Gear for every trail",
      subheading: "Tents, stoves and everything between.",
    },
    {
      type: "PRODUCT_GRID",
      title: "Best sellers",
      productIds: ["prod_acme_tent", "prod_acme_stove"],
      columns: 2,
    },
    { type: "CHAT_WIDGET", greeting: "Questions about a trip? Ask us.", position: "BOTTOM_RIGHT" },
  ];
  const pageId = "5d2c7a4e-9b1f-4c3a-8e6d-0a1b2c3d4e5f";
  await em.upsertMany(
    StorefrontPage,
    [
      {
        id: pageId,
        organizationId: "org_demo_acme",
        path: "/",
        draftBlocks: [
          ...published,
          {
            type: "FAQ",
            items: [{ question: "Do you ship abroad?", answer: "Within the US only." }],
          },
        ],
        draftUpdatedAt: day(6),
        draftUpdatedBy: "user_demo_alice",
        publishedVersion: 1,
      },
    ],
    { onConflictAction: "ignore" },
  );
  await em.upsertMany(
    StorefrontPageVersion,
    [
      {
        id: "8f3e2d1c-0b9a-4f8e-9d7c-6b5a4f3e2d1c",
        pageId,
        organizationId: "org_demo_acme",
        number: 1,
        blocks: published,
        publishedAt: day(5),
        publishedBy: "user_demo_alice",
      },
    ],
    { onConflictAction: "ignore" },
  );
}

/**
 * The demo data sealed with the subgraph's key, inserted when missing: Acme's payment settings
 * (Stripe test-mode style keys; Globex has none), and KYC verifications (Acme's approved,
 * Globex's submitted and waiting for review).
 */
export async function seedSealedDemoData(em: EntityManager, secretBox: SecretBox): Promise<void> {
  const organizationId = "org_demo_acme";
  await em.upsertMany(
    PaymentSettingsRecord,
    [
      {
        organizationId,
        provider: PaymentProvider.STRIPE,
        publishableKey: "pk_test_demo_acme_publishable",
        secretKeySealed: sealPaymentSecret(
          secretBox,
          organizationId,
          "secretKey",
          "sk_test_demo_acme_secret_4242",
        ),
        webhookSigningSecretSealed: sealPaymentSecret(
          secretBox,
          organizationId,
          "webhookSigningSecret",
          "whsec_demo_acme_signing_9876",
        ),
        payoutSchedule: PayoutSchedule.WEEKLY,
        currency: "USD",
        updatedAt: day(2),
        updatedBy: "user_demo_alice",
      },
    ],
    { onConflictAction: "ignore" },
  );
  const document = (fileName: string, digit: string) => ({
    fileName,
    contentType: "application/pdf" as const,
    sizeBytes: 184_320,
    sha256: digit.repeat(64),
  });
  const verifications: [string, KycStatus, KycDetails, Date][] = [
    [
      "org_demo_acme",
      KycStatus.APPROVED,
      {
        legalName: "Acme Outfitters LLC",
        registrationNumber: "CO-20181234567",
        country: "US",
        address: {
          line1: "1600 Demo Trail",
          line2: null,
          city: "Denver",
          postalCode: "80202",
          country: "US",
        },
        beneficialOwners: [
          {
            fullName: "Alice Demo",
            dateOfBirth: "1984-03-12",
            nationality: "US",
            ownershipPercent: 100,
          },
        ],
        documents: [document("articles-of-organization.pdf", "a")],
      },
      day(3),
    ],
    [
      "org_demo_globex",
      KycStatus.SUBMITTED,
      {
        legalName: "Globex Market GmbH",
        registrationNumber: "HRB 123456",
        country: "DE",
        address: {
          line1: "Demostraße 1",
          line2: null,
          city: "Berlin",
          postalCode: "10115",
          country: "DE",
        },
        beneficialOwners: [
          {
            fullName: "Carol Demo",
            dateOfBirth: "1979-11-02",
            nationality: "DE",
            ownershipPercent: 60,
          },
        ],
        documents: [document("handelsregisterauszug.pdf", "b")],
      },
      day(4),
    ],
  ];
  await em.upsertMany(
    KycVerificationRecord,
    verifications.map(([organizationId, status, details, at]) => ({
      organizationId,
      status,
      version: status === KycStatus.APPROVED ? 5 : 2,
      country: details.country,
      detailsSealed: sealKycDetails(secretBox, organizationId, details),
      rejectionReason: null,
      submittedAt: at,
      reviewedAt: status === KycStatus.APPROVED ? at : null,
      reviewedBy: status === KycStatus.APPROVED ? "user_rampart_root" : null,
      updatedAt: at,
      updatedBy: status === KycStatus.APPROVED ? "user_rampart_root" : "user_demo_carol",
    })),
    { onConflictAction: "ignore" },
  );
}
