import {
  customerNoticeFields,
  CustomerContactError,
  CustomerNoticeError,
  maskCustomerContact,
  parseCustomerContact,
  parseCustomerNotice,
  type CustomerNotice,
} from "../../src/customer-notices";

const notice: CustomerNotice = {
  id: "6f1c1a8e-8d1e-4f7e-9c4b-0c9d7e1a2b3c",
  organizationId: "org_demo_acme",
  shipmentId: "0b9e4c1e-2f3a-4b5c-8d7e-6f5a4b3c2d1e",
  orderId: "ord_acme_1001",
  status: "DELIVERED",
  carrier: "Test Carrier",
  trackingNumber: "TRK42",
  contact: { email: "pat@customer.test", phone: "+15557654321" },
  occurredAt: "2026-12-05T03:00:00.000Z",
};

describe("customer notices", () => {
  it("reads back what fulfillment appends", () => {
    expect(parseCustomerNotice(customerNoticeFields(notice))).toEqual(notice);
    const emailOnly = { ...notice, contact: { email: "pat@customer.test", phone: null } };
    expect(parseCustomerNotice(customerNoticeFields(emailOnly))).toEqual(emailOnly);
  });

  it.each([
    ["no JSON", { notice: "{" }],
    ["no field", {}],
    [
      "no contact at all",
      customerNoticeFields({ ...notice, contact: { email: null, phone: null } }),
    ],
    ["a bad email", customerNoticeFields({ ...notice, contact: { email: "pat", phone: null } })],
    ["a bad phone", customerNoticeFields({ ...notice, contact: { email: null, phone: "555" } })],
    ["a bad id", customerNoticeFields({ ...notice, id: "a b" })],
    ["a bad status", customerNoticeFields({ ...notice, status: "delivered; drop" })],
    ["a bad time", customerNoticeFields({ ...notice, occurredAt: "yesterday" })],
    ["no organization", { notice: JSON.stringify({ ...notice, organizationId: undefined }) }],
  ])("refuses an entry with %s, never repeating the contact", (_name, fields) => {
    expect(() => parseCustomerNotice(fields as Record<string, string>)).toThrow(
      CustomerNoticeError,
    );
    try {
      parseCustomerNotice(fields as Record<string, string>);
    } catch (error) {
      expect((error as Error).message).not.toMatch(/pat|555/);
    }
  });
});

describe("customer contacts", () => {
  it("accepts an email address, an E.164 number or both; empty fields are none", () => {
    expect(parseCustomerContact({ email: "pat@customer.test" })).toEqual({
      email: "pat@customer.test",
      phone: null,
    });
    expect(parseCustomerContact({ phone: "+15557654321", email: "  " })).toEqual({
      email: null,
      phone: "+15557654321",
    });
    expect(parseCustomerContact({})).toEqual({ email: null, phone: null });
  });

  it.each([
    [{ email: "not-an-address" }, "email"],
    [{ email: `${"a".repeat(250)}@customer.test` }, "email"],
    [{ phone: "5557654321" }, "phone"],
    [{ phone: "+0557654321" }, "phone"],
    [{ phone: "+1 555 765 4321" }, "phone"],
  ])("refuses %j naming the field", (input, field) => {
    expect(() => parseCustomerContact(input)).toThrow(CustomerContactError);
    try {
      parseCustomerContact(input);
    } catch (error) {
      expect((error as CustomerContactError).field).toBe(field);
    }
  });

  it("masks a contact for reads", () => {
    expect(maskCustomerContact({ email: "pat@customer.test", phone: "+15557654321" })).toEqual({
      email: "p***@customer.test",
      phone: "***4321",
    });
    expect(maskCustomerContact({ email: null, phone: null })).toEqual({ email: null, phone: null });
  });
});
