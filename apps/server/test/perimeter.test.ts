// The perimeter's decisions as pure functions: which hosts are loopback, which Host and Origin
// headers the server answers, which API requests it refuses.
import { describe, expect, it } from "vitest";
import { checkConfig, configFromEnv, isLoopback, parseAllowedHosts } from "../src/config";
import { allowedHosts, checkApiRequest, checkHost } from "../src/http/perimeter";

describe("isLoopback", () => {
  it("parses the address instead of matching a prefix", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"]) expect(isLoopback(h), h).toBe(true);
    for (const h of ["127.evil.example", "127.0.0.1.nip.io", "localhost.evil.example", "0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "evil"]) expect(isLoopback(h), h).toBe(false);
  });

  it("so a name that starts with 127. needs a token", () => {
    expect(() => checkConfig({ host: "127.evil.example", port: 5177, token: undefined, dataDir: "/tmp/x" })).toThrow(/without a token/);
  });
});

describe("KEYFLOW_ALLOWED_HOSTS", () => {
  it("takes host and host:port entries separated by commas or spaces, lower-cased", () => {
    expect(parseAllowedHosts(" Keyflow.LAN, box:8080  [fd00::1]:5177 ")).toEqual(["keyflow.lan", "box:8080", "[fd00::1]:5177"]);
    expect(parseAllowedHosts(undefined)).toEqual([]);
    expect(() => parseAllowedHosts("http://box")).toThrow(/KEYFLOW_ALLOWED_HOSTS: "http:\/\/box"/);
    expect(configFromEnv({ KEYFLOW_ALLOWED_HOSTS: "box" }).allowedHosts).toEqual(["box"]);
  });
});

describe("Host and Origin", () => {
  const hosts = allowedHosts("127.0.0.1", 5177, ["box.lan", "other:9000"]);

  it("answers loopback names and the allowed list on the server's port only", () => {
    const ok = (host: string) => checkHost(["Host", host], hosts) === null;
    for (const h of ["127.0.0.1:5177", "localhost:5177", "LOCALHOST:5177", "[::1]:5177", "box.lan:5177", "other:9000"]) expect(ok(h), h).toBe(true);
    for (const h of ["evil.example:5177", "127.0.0.1:5178", "localhost", "box.lan:9000", "other:5177", "127.0.0.1.evil.example:5177"]) expect(ok(h), h).toBe(false);
    expect(checkHost([], hosts)?.status).toBe(400);
    expect(checkHost(["Host", "127.0.0.1:5177", "host", "evil.example"], hosts)?.status).toBe(400);
    expect(checkHost(["Host", "evil.example:5177"], hosts)).toMatchObject({ status: 421, message: expect.stringMatching(/KEYFLOW_ALLOWED_HOSTS/) });
  });

  it("takes changes only same-origin, as JSON, with Keyflow's header", () => {
    const json = { "content-type": "application/json; charset=utf-8", "x-keyflow-client": "web" };
    expect(checkApiRequest("POST", json, hosts)).toBeNull();
    expect(checkApiRequest("POST", { ...json, origin: "http://127.0.0.1:5177", "sec-fetch-site": "same-origin" }, hosts)).toBeNull();
    expect(checkApiRequest("POST", { ...json, origin: "http://evil.example" }, hosts)?.status).toBe(403);
    expect(checkApiRequest("POST", { ...json, origin: "null" }, hosts)?.status).toBe(403);
    expect(checkApiRequest("POST", { ...json, origin: "http://localhost:3000" }, hosts)?.status).toBe(403);
    expect(checkApiRequest("POST", { ...json, "sec-fetch-site": "same-site" }, hosts)?.status).toBe(403);
    expect(checkApiRequest("POST", { "content-type": "text/plain", "x-keyflow-client": "web" }, hosts)?.status).toBe(415);
    expect(checkApiRequest("POST", { "content-type": "multipart/form-data; boundary=x", "x-keyflow-client": "web" }, hosts)?.status).toBe(415);
    expect(checkApiRequest("POST", { "content-type": "application/json" }, hosts)?.status).toBe(403);
    expect(checkApiRequest("DELETE", json, hosts)?.status).toBe(405);
    // Reads and subscriptions need no header (EventSource cannot send one) but the same origin.
    expect(checkApiRequest("GET", {}, hosts)).toBeNull();
    expect(checkApiRequest("GET", { "sec-fetch-site": "cross-site" }, hosts)?.status).toBe(403);
  });

  it("on port 80 a Host without a port is the same host", () => {
    const on80 = allowedHosts("127.0.0.1", 80);
    expect(checkHost(["Host", "localhost"], on80)).toBeNull();
    expect(checkApiRequest("POST", { "content-type": "application/json", "x-keyflow-client": "web", origin: "http://localhost" }, on80)).toBeNull();
  });
});
