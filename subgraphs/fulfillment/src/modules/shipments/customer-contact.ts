import { Field, InputType, ObjectType } from "type-graphql";

/** How to reach the customer of a shipment, as `requestShipment` takes it. */
@InputType("CustomerContactInput", {
  description:
    "How to reach the shipment's customer about its status: an email address, a phone number in E.164 form, or both.",
})
export class CustomerContactInput {
  /** Email address (254 characters at most). */
  @Field(() => String, { nullable: true, description: "Email address." })
  email?: string | null;

  /** Phone number in E.164 form (`+15551234567`). */
  @Field(() => String, {
    nullable: true,
    description: "Phone number in E.164 form (+15551234567).",
  })
  phone?: string | null;
}

/** A shipment's customer contact as reads show it: masked, never as stored. */
@ObjectType("CustomerContact", {
  description: "How the shipment's customer is reached, masked: a***@example.com, ***4567.",
})
export class MaskedCustomerContact {
  /** Tenant of its shipment (what the shield rules compare); not exposed. */
  organizationId!: string;

  /** Email address, masked (`a***@example.com`). */
  @Field(() => String, { nullable: true, description: "Email address, masked." })
  email!: string | null;

  /** Phone number, masked to its last 4 digits (`***4567`). */
  @Field(() => String, {
    nullable: true,
    description: "Phone number, masked to its last 4 digits.",
  })
  phone!: string | null;
}
