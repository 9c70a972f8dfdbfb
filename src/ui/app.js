// sgmock's console: a read-only view of the state (GET /_sgmock/state), the request log
// (GET /_sgmock/requests, refreshed every 2 s), the verdict form (POST /_sgmock/evaluate) and the
// linter (GET /_sgmock/lint) when the server offers them (GET /_sgmock/info "features"). Views are
// hash routes, so every link is a real link. Nothing here changes state except the explicit
// buttons of the State view.
"use strict";

const main = document.getElementById("main");
const status = document.getElementById("status");
let features = [];
let token = sessionStorage.getItem("sgmock-admin-token") || "";
let timer = null;

function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (token) headers.Authorization = "Bearer " + token;
  const r = await fetch(path, Object.assign({}, options, { headers }));
  if (r.status === 401) {
    askToken();
    throw new Error("this server needs its admin token");
  }
  const text = await r.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (_) { body = text; }
  if (!r.ok) throw new Error((body && body.message) || r.status + " " + r.statusText);
  return body;
}

function askToken() {
  main.innerHTML = `<div class="card"><h1>Admin token</h1>
    <p>This sgmock runs with <code>--admin-token</code>.</p>
    <form id="token-form" class="toolbar"><label>Token <input type="text" id="token" autocomplete="off"></label>
    <button type="submit">Use it</button></form></div>`;
  document.getElementById("token-form").onsubmit = (e) => {
    e.preventDefault();
    token = document.getElementById("token").value.trim();
    sessionStorage.setItem("sgmock-admin-token", token);
    loadInfo().then(route);
  };
}

// ---------------------------------------------------------------- the state, flattened

function groupsOf(state) {
  const out = [];
  for (const [account, a] of Object.entries(state.accounts || {})) {
    for (const [region, gs] of Object.entries(a.ecs || {})) {
      for (const g of gs) out.push({ account, product: "ecs", region, g });
    }
    for (const g of a.ens || []) out.push({ account, product: "ens", region: "", g });
  }
  return out;
}

// Groups by id, built once per fetched state (peer links are looked up per rule).
const indexes = new WeakMap();
function groupIndex(state) {
  if (!indexes.has(state)) indexes.set(state, new Map(groupsOf(state).map((x) => [x.g.id, x])));
  return indexes.get(state);
}

function membersOf(state, id) {
  const out = [];
  for (const a of Object.values(state.accounts || {})) {
    const all = Object.values(a.ecs_instances || {}).flat().concat(a.ens_instances || []);
    for (const i of all) {
      for (const n of i.network_interfaces || []) {
        if ((n.security_group_ids || []).includes(id)) out.push({ instance: i.id, nic: n.id, primary: n.primary, status: i.status });
      }
    }
  }
  return out;
}

function listName(state, id) {
  for (const a of Object.values(state.accounts || {})) {
    for (const ls of Object.values(a.ecs_prefix_lists || {}).concat(Object.values(a.ecs_port_range_lists || {}))) {
      for (const l of ls) if (l.id === id) return l.name;
    }
  }
  return "";
}

function peerCell(state, p) {
  if (!p) return "";
  if (p.cidr) return esc(p.cidr);
  if (p.group) {
    const owner = p.owner ? ` <span class="muted">(account ${esc(p.owner)})</span>` : "";
    const peer = groupIndex(state).get(p.group);
    const name = peer && peer.g.name ? `${esc(peer.g.name)} ` : "";
    return `group <a href="#/group/${encodeURIComponent(p.group)}">${name}<span class="muted">${esc(p.group)}</span></a>${owner}`;
  }
  if (p.prefix_list) return `prefix list ${esc(p.prefix_list)} <span class="muted">${esc(listName(state, p.prefix_list))}</span>`;
  return "";
}

// ---------------------------------------------------------------- views

async function groupsView() {
  const state = await api("/_sgmock/state");
  const all = groupsOf(state);
  const byAccount = {};
  for (const x of all) (byAccount[x.account] ||= []).push(x);
  const accounts = Object.keys(byAccount).sort();
  let html = `<h1>Security groups <span class="muted">(${all.length})</span></h1>
    <div class="toolbar"><label>Filter <input type="search" id="filter" placeholder="name, id, VPC or description"></label>
    <label>Sort <select id="sort"><option value="name">by name</option><option value="id">by id</option><option value="rules">by rules</option></select></label></div>`;
  if (!accounts.length) html += `<p class="muted">No security groups yet. Create one with an SDK, Terraform or curl, then reload.</p>`;
  for (const account of accounts) {
    html += `<section class="card" data-account="${esc(account)}"><h2>Account ${esc(account)}</h2>`;
    const ecs = byAccount[account].filter((x) => x.product === "ecs");
    const regions = [...new Set(ecs.map((x) => x.region))].sort();
    for (const region of regions) html += table(ecs.filter((x) => x.region === region), `ECS · ${region}`);
    const ens = byAccount[account].filter((x) => x.product === "ens");
    if (ens.length) html += table(ens, "ENS");
    html += `</section>`;
  }
  main.innerHTML = html;
  const filter = document.getElementById("filter");
  const sort = document.getElementById("sort");
  const apply = () => {
    const q = filter.value.trim().toLowerCase();
    for (const tbody of main.querySelectorAll("tbody[data-groups]")) {
      const rows = [...tbody.rows];
      rows.sort((a, b) => {
        const k = sort.value;
        if (k === "rules") return Number(b.dataset.rules) - Number(a.dataset.rules);
        return a.dataset[k].localeCompare(b.dataset[k]);
      });
      for (const r of rows) {
        r.hidden = q && !r.dataset.text.includes(q);
        tbody.appendChild(r);
      }
    }
  };
  filter.oninput = apply;
  sort.onchange = apply;
  apply();
}

function table(items, title) {
  const rows = items.map(({ g }) => `<tr data-name="${esc((g.name || "").toLowerCase())}" data-id="${esc(g.id)}" data-rules="${(g.rules || []).length}"
      data-text="${esc([g.id, g.name, g.description, g.vpc_id].join(" ").toLowerCase())}">
    <td><a href="#/group/${encodeURIComponent(g.id)}">${esc(g.name || g.id)}</a></td><td class="nw">${esc(g.id)}</td>
    <td class="nw">${esc(g.type || "normal")}</td><td class="nw">${esc(g.vpc_id || "")}</td><td class="num">${(g.rules || []).length}</td>
    <td>${esc(g.description)}</td></tr>`).join("");
  return `<h3>${esc(title)} <span class="muted">(${items.length})</span></h3>
    <table><thead><tr><th>Name</th><th>Id</th><th>Type</th><th>VPC</th><th class="num">Rules</th><th>Description</th></tr></thead>
    <tbody data-groups>${rows}</tbody></table>`;
}

async function groupView(id) {
  const state = await api("/_sgmock/state");
  const found = groupIndex(state).get(id);
  if (!found) {
    main.innerHTML = `<h1>Not found</h1><p>There is no security group ${esc(id)}. <a href="#/">All groups</a></p>`;
    return;
  }
  const { g, account, product, region } = found;
  const rules = (g.rules || []).slice().sort((a, b) => (a.priority ?? 1) - (b.priority ?? 1));
  const ruleTable = (direction) => {
    const rs = rules.filter((r) => r.direction === direction);
    const body = rs.map((r) => `<tr data-rule="${esc(r.id)}"><td class="num">${esc(r.priority ?? 1)}</td>
      <td class="${r.policy && r.policy.toLowerCase() === "drop" ? "drop" : "accept"}">${esc(r.policy || "Accept")}</td>
      <td class="nw">${esc(r.protocol)}</td><td>${esc(r.port_range_list ? "list " + r.port_range_list + " " + listName(state, r.port_range_list) : r.port_range)}</td>
      <td>${peerCell(state, r.source)}</td><td>${peerCell(state, r.dest)}</td>
      <td>${esc(r.source_port_range || "")}</td><td>${esc(r.nic_type || "")}</td>
      <td>${esc(r.description)}</td><td class="muted nw">${esc(r.id)}</td></tr>`).join("");
    return `<h2>${direction === "ingress" ? "Inbound" : "Outbound"} rules <span class="muted">(${rs.length})</span></h2>
      ${rs.length ? `<table><thead><tr><th class="num">Priority</th><th>Policy</th><th>Protocol</th><th>Ports</th><th>Source</th>
      <th>Destination</th><th>Source ports</th><th>NIC</th><th>Description</th><th>Rule id</th></tr></thead><tbody>${body}</tbody></table>`
      : `<p class="muted">None.</p>`}`;
  };
  const members = membersOf(state, g.id);
  const tags = (g.tags || []).map((t) => `<span class="tag">${esc(t.key)}=${esc(t.value)}</span>`).join(" ");
  let html = `<p><a href="#/">All groups</a></p><h1>${esc(g.name || g.id)}</h1>
    <div class="card"><dl class="attrs">
      <dt>Id</dt><dd>${esc(g.id)}</dd><dt>Account</dt><dd>${esc(account)}</dd>
      <dt>Product</dt><dd>${product === "ens" ? "ENS" : "ECS · " + esc(region)}</dd>
      <dt>Type</dt><dd>${esc(g.type || "normal")}</dd><dt>VPC</dt><dd>${esc(g.vpc_id || "—")}</dd>
      <dt>Inner access</dt><dd>${esc(g.inner_access_policy || "")}</dd><dt>Created</dt><dd>${esc(g.created || "")}</dd>
      <dt>Description</dt><dd>${esc(g.description)}</dd><dt>Tags</dt><dd>${tags || "—"}</dd>
      <dt>Members</dt><dd data-members>${members.length ? members.map((m) => `${esc(m.instance)} <span class="muted">(${esc(m.nic)}${m.primary ? ", primary" : ""}, ${esc(m.status)})</span>`).join("<br>") : "—"}</dd>
    </dl>${features.includes("evaluate") ? `<p><a href="#/verdict/${encodeURIComponent(g.id)}">Would a packet pass this group?</a></p>` : ""}</div>${ruleTable("ingress")}${ruleTable("egress")}<div id="lint"></div>`;
  main.innerHTML = html;
  if (features.includes("lint")) {
    const findings = await api(`/_sgmock/lint?security_group_id=${encodeURIComponent(g.id)}`);
    document.getElementById("lint").innerHTML = `<h2>Lint <span class="muted">(${findings.length})</span></h2>` +
      (findings.length ? `<table><thead><tr><th>Severity</th><th>Code</th><th>Rule</th><th>Message</th></tr></thead><tbody>` +
        findings.map((f) => `<tr><td class="sev-${esc(f.severity)}">${esc(f.severity)}</td><td>${esc(f.code)}</td>
          <td>${esc(f.rule_id || "")}</td><td>${esc(f.message)}</td></tr>`).join("") + `</tbody></table>`
        : `<p class="muted">Nothing to flag.</p>`);
  }
}

async function requestsView() {
  // Rows are redrawn on every refresh: remember which calls the reader opened.
  const opened = new Set();
  const render = async () => {
    const log = await api("/_sgmock/requests?limit=200");
    const table = document.getElementById("requests");
    if (!table) return false;
    const onlyFailed = document.getElementById("only-failed").checked;
    const shown = log.slice().reverse().filter((e) => !onlyFailed || e.status >= 400);
    const rows = shown.map((e) => {
      const params = (e.params || []).map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(v)}</td></tr>`).join("");
      return `<tr class="${e.status >= 400 ? "failed" : ""}" data-request="${esc(e.request_id)}"><td class="nw">${esc(e.time)}</td>
      <td>${esc(e.product)}</td><td><details data-id="${esc(e.request_id)}"${opened.has(e.request_id) ? " open" : ""}><summary>${esc(e.action || "—")}</summary>
      <p class="muted">${esc(e.method)} · RequestId ${esc(e.request_id)}</p><table class="params">${params}</table></details></td><td class="nw">${esc(e.account)}</td>
      <td class="num ${e.status >= 400 ? "err" : ""}">${esc(e.status)}</td><td class="nw ${e.code ? "err" : ""}">${esc(e.code || "")}</td>
      <td>${esc(e.message || "")}</td><td class="num">${esc(e.latency_us)}</td></tr>`;
    }).join("");
    table.innerHTML = rows || `<tr><td colspan="8" class="muted">${onlyFailed ? "No failed calls among the last 200." : "No requests yet."}</td></tr>`;
    for (const d of table.querySelectorAll("details")) {
      d.ontoggle = () => (d.open ? opened.add(d.dataset.id) : opened.delete(d.dataset.id));
    }
    status.textContent = "updated " + new Date().toLocaleTimeString();
    return true;
  };
  main.innerHTML = `<h1>Recent requests</h1><p class="muted">Newest first; refreshes every 2 seconds. Open an action to see its parameters.</p>
    <div class="toolbar"><label class="inline"><input type="checkbox" id="only-failed"> Only failed calls</label></div>
    <table><thead><tr><th>Time</th><th>Product</th><th>Action</th><th>Account</th><th class="num">Status</th><th>Code</th>
    <th>Message</th><th class="num">µs</th></tr></thead><tbody id="requests"></tbody></table>`;
  document.getElementById("only-failed").onchange = () => render().catch((e) => { status.textContent = e.message; });
  await render();
  timer = setInterval(() => render().catch((e) => { status.textContent = e.message; }), 2000);
}

async function verdictView(prefill) {
  main.innerHTML = `<h1>Would this packet pass?</h1>
    <form id="verdict" class="grid card">
      <label>Product <select name="product"><option>ecs</option><option>ens</option></select></label>
      <label>Region (ECS) <input type="text" name="region" value="cn-hangzhou"></label>
      <label>Target groups (ids, comma-separated) <input type="text" name="groups" required value="${esc(prefill)}"></label>
      <label>Direction <select name="direction"><option>ingress</option><option>egress</option></select></label>
      <label>Protocol <select name="protocol"><option>tcp</option><option>udp</option><option>icmp</option><option>icmpv6</option><option>gre</option></select></label>
      <label>Port <input type="number" name="port" min="0" max="65535" value="22"></label>
      <label>Peer IP <input type="text" name="ip" placeholder="203.0.113.7"></label>
      <label>or peer group <input type="text" name="peer_group" placeholder="sg-…"></label>
      <button type="submit">Evaluate</button>
    </form><div id="answer"></div>`;
  document.getElementById("verdict").onsubmit = async (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    const q = {
      product: f.get("product"), direction: f.get("direction"), protocol: f.get("protocol"),
      target: { security_group_ids: String(f.get("groups")).split(",").map((s) => s.trim()).filter(Boolean) },
      peer: f.get("peer_group") ? { security_group_id: f.get("peer_group").trim() } : { ip: String(f.get("ip")).trim() },
    };
    if (q.product === "ecs") q.region = f.get("region");
    if (q.protocol === "tcp" || q.protocol === "udp") q.port = Number(f.get("port"));
    const out = document.getElementById("answer");
    try {
      const a = await api("/_sgmock/evaluate", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(q) });
      const d = a.decided_by;
      const decided = d.kind === "rule" ? `rule ${esc(d.rule_id || "")} of ${esc(d.security_group_id)} (priority ${esc(d.priority)}, ${esc(d.policy)})`
        : d.kind === "inner_access_policy" ? `the inner access policy of ${esc(d.security_group_id)}` : esc(d.reason);
      const rows = a.evaluated.map((r) => {
        const hit = d.kind === "rule" && r.security_group_id === d.security_group_id && r.priority === d.priority && JSON.stringify(r.rule) === JSON.stringify(d.rule);
        return `<tr class="${hit ? "decided" : ""}"><td><a href="#/group/${encodeURIComponent(r.security_group_id)}">${esc(r.security_group_id)}</a></td><td>${esc(r.rule_id || "")}</td><td class="num">${esc(r.priority)}</td>
          <td class="${r.policy}">${esc(r.policy)}</td><td>${esc(r.rule.Description || "")}</td></tr>`;
      }).join("");
      out.innerHTML = `<div class="card"><p class="verdict ${a.verdict}" id="verdict-result">${esc(a.verdict.toUpperCase())}</p><p>Decided by ${decided}.</p></div>
        <h2>Matching rules, in evaluation order</h2>${rows ? `<table><thead><tr><th>Group</th><th>Rule</th><th class="num">Priority</th><th>Policy</th><th>Description</th></tr></thead><tbody>${rows}</tbody></table>` : `<p class="muted">None.</p>`}`;
    } catch (err) {
      out.innerHTML = `<p class="err">${esc(err.message)}</p>`;
    }
  };
}

function adminView() {
  main.innerHTML = `<h1>State</h1>
    <div class="card"><p>Browsing never changes anything. These do:</p>
    <p><a href="/_sgmock/state" download="sgmock-state.json">Download the state document</a></p>
    <form id="upload" class="toolbar"><label>Replace the state with a document <input type="file" name="doc" accept="application/json"></label>
      <button type="submit">Upload and replace</button></form>
    <p><button type="button" class="danger" id="reset">Reset everything</button></p><p id="admin-result" role="status"></p></div>`;
  const result = document.getElementById("admin-result");
  // A plain link cannot send the admin token: with one, fetch the document and save it from memory.
  document.querySelector("a[download]").onclick = async (e) => {
    if (!token) return;
    e.preventDefault();
    try {
      const doc = await api("/_sgmock/state");
      const a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: "application/json" }));
      a.download = "sgmock-state.json";
      a.click();
      URL.revokeObjectURL(a.href);
    } catch (err) { result.textContent = err.message; }
  };
  document.getElementById("upload").onsubmit = async (e) => {
    e.preventDefault();
    const file = e.target.doc.files[0];
    if (!file) return;
    try {
      const r = await api("/_sgmock/state", { method: "PUT", headers: { "Content-Type": "application/json" }, body: await file.text() });
      result.textContent = `Loaded ${r.groups} groups and ${r.rules} rules.`;
    } catch (err) { result.textContent = err.message; }
  };
  document.getElementById("reset").onclick = async () => {
    if (!confirm("Empty every account, fault rule and the request log?")) return;
    try { await api("/_sgmock/reset", { method: "POST" }); result.textContent = "Reset."; } catch (err) { result.textContent = err.message; }
  };
}

// ---------------------------------------------------------------- routing

async function route() {
  if (timer) { clearInterval(timer); timer = null; status.textContent = ""; }
  const hash = location.hash.replace(/^#/, "") || "/";
  for (const a of document.querySelectorAll("nav a")) {
    const view = a.dataset.nav;
    a.classList.toggle("active", (view === "groups" && (hash === "/" || hash.startsWith("/group/"))) || hash === "/" + view || hash.startsWith("/" + view + "/"));
  }
  try {
    if (hash.startsWith("/group/")) await groupView(decodeURIComponent(hash.slice(7)));
    else if (hash === "/requests") await requestsView();
    else if ((hash === "/verdict" || hash.startsWith("/verdict/")) && features.includes("evaluate")) await verdictView(decodeURIComponent(hash.slice(9)));
    else if (hash === "/admin") adminView();
    else await groupsView();
  } catch (e) {
    main.innerHTML = `<p class="err">${esc(e.message)}</p>`;
  }
}

// What the server offers (its info's "features"); read again once a token is given.
async function loadInfo() {
  try {
    const info = await api("/_sgmock/info");
    features = info.features || [];
    status.textContent = `sgmock ${info.version}`;
  } catch (_) { features = []; }
  document.getElementById("nav-verdict").hidden = !features.includes("evaluate");
}

async function start() {
  await loadInfo();
  window.addEventListener("hashchange", route);
  // Without the token, loadInfo has asked for it: the view waits for the answer.
  if (!main.querySelector("#token-form")) route();
}

start();
