import { allowsEverywhere, isCidr } from "../../src/cidr";
import { toFilter } from "../../src/filters";

describe("the allowlist form's range check (the server checks again)", () => {
  it.each([
    "203.0.113.0/24",
    "10.0.0.1",
    "0.0.0.0/0",
    "2001:db8::/48",
    "::1/128",
    "::/0",
    "fe80::1",
    "::ffff:192.0.2.1/128",
    "2001:0db8:0000:0000:0000:0000:0000:0001",
  ])("accepts %s", (range) => {
    expect(isCidr(range)).toBe(true);
  });

  it.each([
    "",
    "300.1.2.3/8",
    "10.0.0/8",
    "10.0.0.0/33",
    "10.0.0.0/-1",
    "10.0.0.0/8/8",
    "01.2.3.4",
    "2001:db8::/129",
    "2001:db8:::1",
    "1:2:3:4:5:6:7:8:9",
    "gggg::1",
    "example.com/24",
    "10.0.0.0/ 8",
  ])("refuses %j", (range) => {
    expect(isCidr(range)).toBe(false);
  });

  it("flags a range that allows every address", () => {
    expect(allowsEverywhere("0.0.0.0/0")).toBe(true);
    expect(allowsEverywhere("::/0")).toBe(true);
    expect(allowsEverywhere("10.0.0.0/8")).toBe(false);
  });
});

describe("the event feed's filter", () => {
  it("leaves out empty fields, and is null when nothing is set", () => {
    expect(toFilter({ types: " , ", severity: "", organizationId: " " })).toBeNull();
    expect(
      toFilter({
        types: "authorization.denied, ip.not_allowed,",
        severity: "high",
        organizationId: " org_demo_acme ",
      }),
    ).toEqual({
      types: ["authorization.denied", "ip.not_allowed"],
      severities: ["high"],
      organizationId: "org_demo_acme",
    });
  });
});
