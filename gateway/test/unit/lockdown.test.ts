import { createLogger, LockdownSwitch, SecurityLevel, type Identity } from "@rampart/kit";
import { createMemoryStores, type Stores } from "@rampart/kit/stores";
import { createLockdown } from "../../src/perimeter/lockdown";

const logger = createLogger({ service: "lockdown-test", level: "silent" });

const lockdownOn = (stores: Stores) =>
  createLockdown({
    stores,
    profile: "admin",
    mainMode: "read-only",
    isSuperAdmin: (identity) => identity.role === "superadmin",
    onRefusal: () => {},
    logger,
  });

const caller = (role: string, securityLevel: SecurityLevel) =>
  ({ userId: "user_1", role, securityLevel }) as unknown as Identity;

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("createLockdown (admin profile)", () => {
  it("tells listeners when an announced lockdown starts, once, and applies its rule", async () => {
    const stores = createMemoryStores();
    const lockdown = lockdownOn(stores);
    await lockdown.start();
    let started = 0;
    lockdown.onActivated(() => (started += 1));
    expect(lockdown.refuses(caller("member", SecurityLevel.SignedIn), false)).toBe(false);

    await new LockdownSwitch(stores).set(true, "drill", "user_admin");
    await until(() => started === 1);
    await new LockdownSwitch(stores).set(true, "still on", "user_admin");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(started).toBe(1);
    expect(lockdown.refuses(caller("superadmin", SecurityLevel.SecondFactor), false)).toBe(true);
    expect(lockdown.refuses(caller("superadmin", SecurityLevel.StepUp), false)).toBe(false);
    await lockdown.close();
    await stores.close();
  });

  it("tells listeners when it fails closed because the switch cannot be read", async () => {
    const stores = createMemoryStores();
    const unreadable: Stores = {
      ...stores,
      kv: { ...stores.kv, get: () => Promise.reject(new Error("connect ECONNREFUSED")) },
    };
    const lockdown = lockdownOn(unreadable);
    let started = 0;
    lockdown.onActivated(() => (started += 1));
    await lockdown.start();
    expect(started).toBe(1);
    expect(lockdown.current()).toMatchObject({ active: true, reason: "lockdown state unreadable" });
    await lockdown.close();
    await stores.close();
  });
});
