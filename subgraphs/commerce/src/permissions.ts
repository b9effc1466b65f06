import {
  chain,
  createPermissions,
  allow,
  createRules,
  type Permissions,
  type RuleOptions,
  type RuleTree,
  type Rules,
} from "@rampart/kit/subgraph";
import { ORGANIZATION_ADMIN_ROLES, ORGANIZATION_EDITOR_ROLE } from "./access";

/**
 * Who may read what in commerce: members of an organization, and only their own tenant's
 * objects (resolvers filter by tenant as well; these rules are the declared layer on top).
 */
export function commerceRuleTree(rules: Rules): RuleTree {
  const member = chain(rules.isAuthenticated, rules.isMemberOf());
  const { ownsTenant, isOwnOrganization, ownsTenantOrAdmin } = rules;
  // Owners and admins of the active organization (Clerk roles org:owner, org:admin).
  const organizationAdmin = chain(member, rules.hasRole(...ORGANIZATION_ADMIN_ROLES));
  // Changes of payment settings also need a second factor verified within the step-up window.
  const organizationAdminSteppedUp = chain(organizationAdmin, rules.recentlyVerified);
  // Storefront drafts: editors too.
  const organizationEditor = chain(
    member,
    rules.hasRole(...ORGANIZATION_ADMIN_ROLES, ORGANIZATION_EDITOR_ROLE),
  );
  // KYC review: superadmins with a second factor verified within the step-up window (level 3).
  const kycReviewer = chain(rules.adminOnly, rules.recentlyVerified);

  // Superadmins read any organization's directory fields (security events name them).
  const directory = rules.isOwnOrganizationOrAdmin;
  return {
    Query: {
      organization: member,
      products: member,
      orders: member,
      order: member,
      aiAssistantConfig: organizationAdmin,
      organizationAiAssistantConfig: rules.adminOnly,
      paymentSettings: organizationAdmin,
      // Which records a caller may see depends on the entity asked for: the resolver decides
      // (own organization as its admin; any AI configuration as a superadmin).
      auditTrail: member,
      kycVerification: organizationAdmin,
      kycVerifications: kycReviewer,
      kycVerificationForReview: kycReviewer,
      // Published pages are public: storefronts read them anonymously.
      storefrontPage: allow,
      storefrontPageLayouts: organizationEditor,
    },
    Mutation: {
      updateAiAssistantConfig: organizationAdmin,
      resetAiAssistantConfig: organizationAdmin,
      updatePaymentSettings: organizationAdminSteppedUp,
      deletePaymentSettings: organizationAdminSteppedUp,
      saveKycDraft: organizationAdmin,
      submitKycVerification: organizationAdmin,
      startKycReview: kycReviewer,
      approveKycVerification: kycReviewer,
      rejectKycVerification: kycReviewer,
      saveStorefrontPageDraft: organizationEditor,
      publishStorefrontPage: organizationAdmin,
      rollbackStorefrontPage: organizationAdmin,
    },
    // Settings objects name their organization: its own members, or a superadmin (who reaches
    // them only through admin-only root fields).
    AiAssistantConfig: ownsTenantOrAdmin,
    BusinessHours: member,
    BusinessHoursWindow: member,
    HumanHandOff: member,
    // Payment settings are their organization's alone: no superadmin reads them.
    PaymentSettings: ownsTenant,
    AuditEntry: ownsTenantOrAdmin,
    // A verification: its organization's own admins, or a reviewing superadmin.
    KycVerification: ownsTenantOrAdmin,
    KycAddress: member,
    BeneficialOwner: member,
    KycDocument: member,
    // Masked list entries reach reviewers only.
    KycVerificationSummary: rules.adminOnly,
    StorefrontPageLayout: ownsTenant,
    StorefrontPageVersion: ownsTenant,
    StorefrontPage: allow,
    AuditChange: member,
    // An organization is the tenant itself: its own id is the tenant id.
    Organization: {
      id: directory,
      slug: directory,
      name: directory,
      createdAt: directory,
      products: isOwnOrganization,
      orders: isOwnOrganization,
    },
    Product: {
      id: ownsTenant,
      organizationId: ownsTenant,
      sku: ownsTenant,
      name: ownsTenant,
      priceCents: ownsTenant,
      currency: ownsTenant,
    },
    Order: {
      id: ownsTenant,
      organizationId: ownsTenant,
      status: ownsTenant,
      totalCents: ownsTenant,
      currency: ownsTenant,
      createdAt: ownsTenant,
      customer: ownsTenant,
    },
    // Only reachable through Order.customer; it carries nothing but the id.
    User: { id: member },
  };
}

/** Commerce's shield middleware (`options` come from `CLERK_SUPERADMIN_ORG_ID`, `ADMIN_REQUIRE_2FA`). */
export const commercePermissions = (options: RuleOptions = {}): Permissions =>
  createPermissions(commerceRuleTree(createRules(options)));
