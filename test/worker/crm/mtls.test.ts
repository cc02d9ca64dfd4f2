/**
 * Client certificates (issue 16): a buyer whose auth names an `mtls_certificates` binding is
 * reached only through that binding's fetch. The binding here is a stand-in (test/vitest.config.ts,
 * TEST_MTLS) that forwards to the mock buyer marked with the certificate's subject — workerd
 * cannot present a real client certificate to a loopback server, and miniflare serves real
 * mTLS bindings only remotely.
 */
import { describe, expect, it } from "vitest";
import { gateBuyer, gate as gateOf, input, received, uid } from "../buyer-gate/fixtures";
import { crmControl, input as crmInput, demoBuyer, gate, lead } from "./helpers";

const SUBJECT = "CN=leadwire-test-client";

describe("mTLS: the delivery goes through the buyer's mtls_certificates binding", () => {
  it("a buyer naming the binding: the request leaves through it (the certificate's subject reaches the buyer)", async () => {
    const b = gateBuyer(uid("mtls"), "accept", { auth: { type: "none", mtlsCertificate: "TEST_MTLS" } });
    const r = await gateOf(b).deliver(input(b));
    expect(r).toMatchObject({ outcome: "accepted", statusCode: 200, sent: true });
    const got = await received(b.id);
    expect(got).toHaveLength(1);
    expect(got[0]?.headers["x-client-certificate-subject"]).toBe(SUBJECT);
  });

  it("a buyer without one goes through the global fetch: no certificate", async () => {
    const b = gateBuyer(uid("plain"), "accept");
    expect((await gateOf(b).deliver(input(b))).outcome).toBe("accepted");
    expect((await received(b.id))[0]?.headers["x-client-certificate-subject"]).toBeUndefined();
  });

  it("the token call goes through the binding too (Salesforce REST behind mTLS)", async () => {
    const b = demoBuyer("demo-salesforce-rest", (raw) => {
      (raw.auth as Record<string, unknown>).mtlsCertificate = "TEST_MTLS";
    });
    const r = await gate(b).deliver(crmInput(b, { lead: lead() }));
    expect(r).toMatchObject({ outcome: "accepted", statusCode: 201 });
    const got = (await received(b.id)) as unknown as { behavior: string; headers: Record<string, string> }[];
    expect(got.map((x) => [x.behavior, x.headers["x-client-certificate-subject"]])).toEqual([
      ["salesforce:token", SUBJECT],
      ["salesforce:sobject-create", SUBJECT],
    ]);
    expect((await crmControl<{ leads: unknown[] }>("salesforce", b.id)).leads).toHaveLength(1);
  });

  it("a binding the Worker does not have is a config fault: nothing is sent without the certificate", async () => {
    const b = gateBuyer(uid("mtls-missing"), "accept", { auth: { type: "none", mtlsCertificate: "ACME_MTLS" } });
    const r = await gateOf(b).deliver(input(b));
    expect(r).toMatchObject({ outcome: "failed", errorClass: "config", sent: false });
    expect(r.reason).toMatch(/mTLS certificate binding ACME_MTLS is not bound/);
    expect(await received(b.id)).toEqual([]);
  });
});
