import {
  chain,
  createPermissions,
  createRules,
  type Permissions,
  type RuleOptions,
  type RuleTree,
  type Rules,
} from "@rampart/kit/subgraph";

/** Organization roles that may ask for shipments. */
export const SHIPPING_ROLES = ["org:admin", "org:owner"] as const;

/**
 * Who may read what in fulfillment: members of an organization, and only their own tenant's
 * shipments and their task history. `Order` comes from commerce as a bare id; its shipments are filtered by tenant.
 */
export function fulfillmentRuleTree(rules: Rules): RuleTree {
  const member = chain(rules.isAuthenticated, rules.isMemberOf());
  const { ownsTenant } = rules;
  // Shipping an order is an organization administrator's act.
  const shipper = chain(member, rules.hasRole(...SHIPPING_ROLES));
  return {
    Query: { shipment: member, shipments: member },
    Mutation: { requestShipment: shipper },
    Order: { id: member, shipments: member },
    Shipment: {
      id: ownsTenant,
      orderId: ownsTenant,
      organizationId: ownsTenant,
      carrier: ownsTenant,
      trackingNumber: ownsTenant,
      status: ownsTenant,
      provider: ownsTenant,
      attempts: ownsTenant,
      shippedAt: ownsTenant,
      deliveredAt: ownsTenant,
      createdAt: ownsTenant,
      updatedAt: ownsTenant,
      history: ownsTenant,
      customerContact: ownsTenant,
    },
    // The masked contact carries its shipment's tenant.
    CustomerContact: { email: ownsTenant, phone: ownsTenant },
    // History entries carry their shipment's tenant.
    ShipmentEvent: {
      id: ownsTenant,
      step: ownsTenant,
      status: ownsTenant,
      outcome: ownsTenant,
      source: ownsTenant,
      detail: ownsTenant,
      occurredAt: ownsTenant,
    },
  };
}

/** Fulfillment's shield middleware (`options` come from `CLERK_SUPERADMIN_ORG_ID`, `ADMIN_REQUIRE_2FA`). */
export const fulfillmentPermissions = (options: RuleOptions = {}): Permissions =>
  createPermissions(fulfillmentRuleTree(createRules(options)));
