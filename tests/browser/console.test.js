// The console (/_sgmock/ui/) in a real browser: Debian's Chromium, headless and kept off the
// network, driven by playwright-core. Groups and rules are made with the official SDK
// (@alicloud/pop-core, signatures verified); the test asserts what each view shows, follows a peer
// link, sees a failing request appear in the log, asks for a verdict, checks there is no console
// error and no horizontal scrolling at 1366 px, and keeps a screenshot per view under
// target/browser-screenshots/.
"use strict";

const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const readline = require("node:readline");
const RPCClient = require("@alicloud/pop-core");
const { chromium } = require("playwright-core");

const ROOT = path.resolve(__dirname, "..", "..");
const BIN = process.env.SGMOCK_BIN || path.join(ROOT, "target", "release", "sgmock");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const SHOTS = path.join(ROOT, "target", "browser-screenshots");

let server;
let base;
let browser;
let page;
const consoleErrors = [];
const ids = {};

function ecs() {
  return new RPCClient({
    accessKeyId: "testid",
    accessKeySecret: "testsecret",
    endpoint: base,
    apiVersion: "2014-05-26",
  });
}

async function ensCall(action, params) {
  const ens = new RPCClient({ accessKeyId: "testid", accessKeySecret: "testsecret", endpoint: base, apiVersion: "2017-11-10" });
  return ens.request(action, params, { method: "POST" });
}

async function call(action, params) {
  return ecs().request(action, Object.assign({ RegionId: "cn-hangzhou" }, params), { method: "POST" });
}

async function shot(name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

async function noHorizontalScroll() {
  const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll <= client, `scrollWidth ${scroll} > clientWidth ${client}`);
}

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  server = spawn(BIN, ["--listen", "127.0.0.1:0", "--tls", "off", "--auth", "verify", "--access-key", "testid:testsecret:1234567890123456"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  const line = await new Promise((resolve, reject) => {
    readline.createInterface({ input: server.stdout }).once("line", resolve);
    server.once("exit", (code) => reject(new Error(`sgmock exited: ${code}`)));
  });
  base = "http://" + line.trim().split(" ").pop();

  // Two tiers: web (open on 443, a long description in two scripts) and app (8080 from web only).
  ids.web = (await call("CreateSecurityGroup", { VpcId: "vpc-ui", SecurityGroupName: "web-tier",
    Description: "Public web servers — 公共网站服务器, with a description long enough to wrap on a laptop screen without pushing the table sideways" })).SecurityGroupId;
  ids.app = (await call("CreateSecurityGroup", { VpcId: "vpc-ui", SecurityGroupName: "app-tier" })).SecurityGroupId;
  await call("AuthorizeSecurityGroup", { SecurityGroupId: ids.web, IpProtocol: "tcp", PortRange: "443/443", SourceCidrIp: "0.0.0.0/0", Description: "https from anywhere" });
  await call("AuthorizeSecurityGroup", { SecurityGroupId: ids.app, IpProtocol: "tcp", PortRange: "8080/8080", SourceGroupId: ids.web, Description: "from the web tier" });
  // 200 rules on a third group: the layout must hold.
  ids.big = (await call("CreateSecurityGroup", { VpcId: "vpc-ui", SecurityGroupName: "big" })).SecurityGroupId;
  for (let chunk = 0; chunk < 2; chunk++) {
    const p = { SecurityGroupId: ids.big };
    for (let i = 1; i <= 100; i++) {
      const port = chunk * 100 + i;
      Object.assign(p, { [`Permissions.${i}.IpProtocol`]: "tcp", [`Permissions.${i}.PortRange`]: `${port}/${port}`,
        [`Permissions.${i}.SourceCidrIp`]: "10.0.0.0/8", [`Permissions.${i}.Description`]: `rule ${port} – règle ${port} – 规则 ${port}` });
    }
    await call("AuthorizeSecurityGroup", p);
  }

  // An ENS group: shown in its own section of the account.
  ids.edge = (await ensCall("CreateSecurityGroup", { SecurityGroupName: "edge-nodes" })).SecurityGroupId;
  // A virtual instance in the app tier, joined through the API: the group view lists its members.
  const put = await fetch(base + "/_sgmock/instances", { method: "PUT", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ account: "1234567890123456", region: "cn-hangzhou",
      instances: [{ id: "i-ui1", vpc_id: "vpc-ui", status: "Running", network_interfaces: [{ id: "eni-ui1", primary: true, security_group_ids: [ids.web] }] }] }) });
  assert.equal(put.status, 200, await put.text());
  await call("JoinSecurityGroup", { InstanceId: "i-ui1", SecurityGroupId: ids.app });

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Off the network: no background requests, no updates, no QUIC, no first-run.
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.kill();
});

test("the groups view lists the groups with their rule counts", async () => {
  await page.goto(base + "/_sgmock/ui/");
  await page.getByRole("link", { name: "web-tier" }).waitFor();
  const rows = page.locator("tbody[data-groups] tr");
  assert.equal(await rows.count(), 4);
  const sections = await page.locator("section[data-account] h3").allInnerTexts();
  assert.deepEqual(sections, ["ECS · cn-hangzhou (3)", "ENS (1)"]);
  assert.equal(await page.locator(`tr[data-id="${ids.edge}"] td`).first().innerText(), "edge-nodes");
  const web = page.locator(`tr[data-id="${ids.web}"] td`);
  assert.equal(await web.nth(4).innerText(), "1");
  assert.equal(await page.locator(`tr[data-id="${ids.big}"] td`).nth(4).innerText(), "200");
  await page.getByLabel("Filter").fill("app");
  assert.equal(await rows.filter({ visible: true }).count(), 1);
  // Sorting by rule count puts the 200-rule group first.
  await page.getByLabel("Filter").fill("");
  await page.getByLabel("Sort").selectOption("rules");
  assert.equal(await page.locator("tbody[data-groups]").first().locator("tr td:first-child").first().innerText(), "big");
  await page.getByLabel("Sort").selectOption("name");
  await page.getByLabel("Filter").fill("");
  await noHorizontalScroll();
  await shot("1-groups");
});

test("a group's rules, and its peer link leads to the peer group", async () => {
  await page.getByRole("link", { name: "app-tier" }).click();
  await page.getByRole("heading", { name: "app-tier" }).waitFor();
  const rule = page.locator("tr[data-rule]");
  assert.equal(await rule.count(), 1);
  const cells = await rule.locator("td").allInnerTexts();
  assert.deepEqual(cells.slice(0, 4), ["1", "Accept", "TCP", "8080/8080"]);
  assert.ok(cells.includes("from the web tier"));
  assert.match(await page.locator("dd[data-members]").innerText(), /i-ui1 \(eni-ui1, primary, Running\)/);
  await shot("2-group");
  await rule.getByRole("link", { name: ids.web }).click();
  await page.getByRole("heading", { name: "web-tier" }).waitFor();
  assert.match(location(page), new RegExp(`#/group/${ids.web}$`));
  await page.goto(`${base}/_sgmock/ui/#/group/${ids.big}`);
  await page.getByRole("heading", { name: "big" }).waitFor();
  assert.equal(await page.locator("tr[data-rule]").count(), 200);
  await noHorizontalScroll();
  await shot("3-group-200-rules");
});

function location(p) {
  return p.url();
}

test("a failing request appears in the log by itself", async () => {
  await page.getByRole("link", { name: "Requests" }).click();
  await page.getByRole("heading", { name: "Recent requests" }).waitFor();
  await assert.rejects(call("DeleteSecurityGroup", { SecurityGroupId: "sg-doesnotexist" }));
  // The view refreshes every 2 s: wait (bounded) for the row, without reloading.
  const failed = page.locator("#requests > tr", { hasText: "DeleteSecurityGroup" });
  await failed.first().waitFor({ timeout: 10000 });
  const cells = await failed.first().locator(":scope > td").allInnerTexts();
  assert.equal(cells[4], "404");
  assert.equal(cells[5], "InvalidSecurityGroup.NotFound");
  assert.equal(cells[6], "The specified security group is not found: sg-doesnotexist.");
  // Only the failures, and the call's parameters one click away.
  await page.getByLabel("Only failed calls").check();
  await page.waitForFunction(() => [...document.querySelectorAll("#requests > tr")].every((r) => r.classList.contains("failed")));
  assert.equal(await page.locator("#requests > tr").count(), 1);
  await failed.first().locator("summary").click();
  const param = failed.first().locator("table.params tr", { hasText: "SecurityGroupId" });
  assert.equal(await param.locator("td").innerText(), "sg-doesnotexist");
  await shot("4-requests");
});

test("the verdict form shows the deciding rule", async () => {
  // From the group's page, the form comes with the group filled in.
  await page.goto(`${base}/_sgmock/ui/#/group/${ids.web}`);
  await page.getByRole("link", { name: "Would a packet pass this group?" }).click();
  assert.equal(await page.getByLabel("Target groups (ids, comma-separated)").inputValue(), ids.web);
  await page.getByLabel("Port").fill("443");
  await page.getByLabel("Peer IP").fill("203.0.113.7");
  await page.getByRole("button", { name: "Evaluate" }).click();
  await page.locator("#verdict-result").waitFor();
  assert.equal(await page.locator("#verdict-result").innerText(), "ACCEPT");
  assert.equal(await page.locator("tr.decided").count(), 1);
  assert.match(await page.locator("tr.decided").innerText(), /https from anywhere/);
  await shot("5-verdict");
});

test("the keyboard alone reaches a group", async () => {
  await page.goto(base + "/_sgmock/ui/");
  await page.getByRole("link", { name: "app-tier" }).waitFor();
  await page.getByLabel("Filter").fill("web");
  await page.locator(`tr[data-id="${ids.app}"]`).waitFor({ state: "hidden" });
  // From the filter: the sort control, then the first visible group link.
  await page.getByLabel("Filter").focus();
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "web-tier");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "web-tier" }).waitFor();
  assert.match(page.url(), new RegExp(`#/group/${ids.web}$`));
});

test("without the verdict and lint APIs the console neither offers nor calls them", async () => {
  // A server that does not offer them: its info lists no features.
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const p = await ctx.newPage();
  const errors = [];
  const calls = [];
  p.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  p.on("pageerror", (e) => errors.push(String(e)));
  p.on("request", (r) => calls.push(new URL(r.url()).pathname));
  await p.route("**/_sgmock/info", async (r) => {
    const info = await (await r.fetch()).json();
    delete info.features;
    await r.fulfill({ json: info });
  });
  await p.goto(`${base}/_sgmock/ui/#/group/${ids.web}`);
  await p.getByRole("heading", { name: "web-tier" }).waitFor();
  assert.equal(await p.getByRole("link", { name: "Would it pass?" }).count(), 0);
  assert.equal(await p.getByRole("link", { name: /Would a packet pass/ }).count(), 0);
  assert.equal(await p.locator("#lint").innerText(), "");
  assert.ok(!calls.some((c) => c.endsWith("/lint") || c.endsWith("/evaluate")), calls.join(" "));
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("with --admin-token the console asks for the token once, then shows everything", async () => {
  const locked = spawn(BIN, ["--listen", "127.0.0.1:0", "--tls", "off", "--admin-token", "t0ken"], { stdio: ["ignore", "pipe", "ignore"] });
  try {
    const line = await new Promise((resolve, reject) => {
      readline.createInterface({ input: locked.stdout }).once("line", resolve);
      locked.once("exit", (code) => reject(new Error(`sgmock exited: ${code}`)));
    });
    const url = "http://" + line.trim().split(" ").pop();
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const p = await ctx.newPage();
    await p.goto(url + "/_sgmock/ui/");
    await p.getByRole("heading", { name: "Admin token" }).waitFor();
    await p.getByLabel("Token").fill("t0ken");
    await p.getByRole("button", { name: "Use it" }).click();
    await p.getByRole("heading", { name: /Security groups/ }).waitFor();
    // The features were read with the token: the verdict view is offered.
    assert.equal(await p.getByRole("link", { name: "Would it pass?" }).isVisible(), true);
    // Kept for the tab: a reload does not ask again.
    await p.reload();
    await p.getByRole("heading", { name: /Security groups/ }).waitFor();
    await ctx.close();
  } finally {
    locked.kill();
  }
});

test("browsing changed nothing and logged no console error", async () => {
  const r = await fetch(base + "/_sgmock/state");
  const state = await r.json();
  const groups = Object.values(state.accounts).flatMap((a) => Object.values(a.ecs || {}).flat());
  assert.equal(groups.length, 3);
  assert.deepEqual(consoleErrors, []);
  // The page weight: HTML, script and style together.
  let bytes = 0;
  for (const f of ["", "app.js", "app.css"]) bytes += (await (await fetch(`${base}/_sgmock/ui/${f}`)).arrayBuffer()).byteLength;
  assert.ok(bytes < 100 * 1024, `page weight ${bytes} bytes`);
  console.log(`console page weight: ${bytes} bytes`);
});

test("the State view downloads, resets and uploads only when asked", async () => {
  const count = async () => {
    const state = await (await fetch(base + "/_sgmock/state")).json();
    return Object.values(state.accounts).flatMap((a) => Object.values(a.ecs || {}).flat()).length;
  };
  await page.goto(base + "/_sgmock/ui/#/admin");
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download the state document" }).click()]);
  const saved = await download.path();
  assert.equal(JSON.parse(fs.readFileSync(saved, "utf8")).accounts["1234567890123456"].ecs["cn-hangzhou"].length, 3);
  await shot("6-state");
  // Reset asks first: dismissed, nothing happens; accepted, everything goes.
  page.once("dialog", (d) => d.dismiss());
  await page.getByRole("button", { name: "Reset everything" }).click();
  assert.equal(await count(), 3);
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: "Reset everything" }).click();
  await page.getByText("Reset.").waitFor();
  assert.equal(await count(), 0);
  // The downloaded document brings it all back.
  await page.getByLabel("Replace the state with a document").setInputFiles(saved);
  await page.getByRole("button", { name: "Upload and replace" }).click();
  await page.getByText(/Loaded 4 groups and 202 rules/).waitFor();
  assert.equal(await count(), 3);
});
