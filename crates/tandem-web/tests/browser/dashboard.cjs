// The dashboard in a real browser (Debian's Chromium driven by playwright-core), run by
// crates/tandem-web/tests/browser.rs against the demo workspace:
// every page and its content, axe (no serious or critical violation), acting in one tab and
// seeing it live in another, keyboard-only flows, largest contentful paint, screenshots.
//
// Environment: BASE (http://127.0.0.1:PORT), TOKEN (the write token), SHOTS (a directory for
// screenshots), CHROMIUM (the browser), PROFILE (a fresh user-data-dir).
"use strict";
const { chromium } = require("playwright-core");
const { default: AxeBuilder } = require("@axe-core/playwright");
const assert = require("node:assert/strict");
const path = require("node:path");

const BASE = process.env.BASE;
const TOKEN = process.env.TOKEN;
const SHOTS = process.env.SHOTS;
const TIMEOUT = 30000;

function step(name) {
  console.log(`browser: ${name}`);
}

async function axe(page, name) {
  const r = await new AxeBuilder({ page }).analyze();
  const bad = r.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  for (const v of bad) {
    console.error(`axe ${name}: ${v.impact} ${v.id}: ${v.help}`);
    for (const n of v.nodes.slice(0, 5)) console.error(`   at ${n.target.join(" ")}: ${n.failureSummary}`);
  }
  assert.equal(bad.length, 0, `${name}: ${bad.length} serious or critical accessibility violations`);
}

async function lcp(page) {
  return page.evaluate(
    () =>
      new Promise((resolve) => {
        new PerformanceObserver((list) => {
          const e = list.getEntries();
          resolve(e[e.length - 1].startTime);
        }).observe({ type: "largest-contentful-paint", buffered: true });
        setTimeout(() => resolve(-1), 5000);
      }),
  );
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

async function main() {
  const context = await chromium.launchPersistentContext(process.env.PROFILE, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    colorScheme: "light",
  });
  context.setDefaultTimeout(TIMEOUT);
  const page = context.pages()[0] || (await context.newPage());
  const figures = {};

  // -- every page, its content, axe, screenshots, LCP --------------------------------------
  step("coordinations");
  await page.goto(`${BASE}/`, { waitUntil: "load" });
  figures.lcp_list_ms = await lcp(page);
  await page.getByRole("heading", { name: "Coordinations", level: 1 }).waitFor();
  assert.match(await page.locator("#attention").innerText(), /loqa-skills[\s\S]*needs the hub's new auth interceptor/);
  assert.match(await page.locator("#list").innerText(), /Add authentication metadata to AudioStream/);
  assert.match(await page.locator("#list").innerText(), /Rotate NATS credentials/);
  await axe(page, "/");
  await shot(page, "coordinations");

  step("search as you type");
  await page.getByLabel("Search").fill("nats");
  await page.waitForFunction(() => !document.querySelector("#list").innerText.includes("AudioStream"));
  assert.match(await page.locator("#list").innerText(), /Rotate NATS credentials/);
  assert.match(page.url(), /q=nats/);

  step("one coordination");
  await page.goto(`${BASE}/coordinations/3`, { waitUntil: "load" });
  figures.lcp_coordination_ms = await lcp(page);
  const text = await page.locator("main").innerText();
  for (const want of ["Add authentication metadata to AudioStream", "Blocked (1)", "Critical path", "Children (", "Dependency waves", "Deployment plan", "Rollback plan", "History ("]) {
    assert.ok(text.includes(want), `coordination page lacks "${want}"`);
  }
  assert.ok((await page.locator("tr.crit").count()) > 0, "critical path rows are highlighted");
  assert.ok((await page.locator("#waves svg .node").count()) >= 5, "the waves are drawn");
  await axe(page, "/coordinations/3");
  await shot(page, "coordination");

  step("an issue of the local forge");
  await page.locator("#child-loqa-hub a[href^='/issues/']").click();
  await page.getByRole("heading", { level: 1 }).waitFor();
  assert.match(await page.locator("h1").innerText(), /loqa-hub#\d+/);
  await axe(page, "issue");

  step("graph");
  await page.goto(`${BASE}/graph`, { waitUntil: "load" });
  assert.match(await page.locator("main").innerText(), /8 repositories/);
  assert.ok((await page.locator("svg .edge.v-grpc").count()) > 0);
  await axe(page, "/graph");
  await shot(page, "graph");

  step("health");
  await page.goto(`${BASE}/health`, { waitUntil: "load" });
  const health = await page.locator("main").innerText();
  assert.match(health, /CHILD_BLOCKED/);
  assert.match(health, /To clear it:/);
  await axe(page, "/health");
  await shot(page, "health");

  step("metrics");
  await page.goto(`${BASE}/charts`, { waitUntil: "load" });
  for (const want of ["Time to complete", "Child resolution time", "Deployment success rate", "Gate failures"]) {
    assert.ok((await page.locator("main").innerText()).includes(want), `charts lack ${want}`);
  }
  assert.ok((await page.locator("rect.barv").count()) > 0);
  await axe(page, "/charts");
  await shot(page, "charts");

  step("phone width and dark theme");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${BASE}/coordinations/3`, { waitUntil: "load" });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page scrolls sideways on a phone (${overflow}px)`);
  await shot(page, "coordination-phone");
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.goto(`${BASE}/`, { waitUntil: "load" });
  const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  assert.equal(bg, "rgb(17, 20, 24)", "dark theme follows the system");
  await axe(page, "/ (dark)");
  await shot(page, "coordinations-dark");
  await page.emulateMedia({ colorScheme: "light" });

  // -- keyboard only: skip link, open a coordination, sign in, unblock ----------------------
  step("keyboard: open a coordination");
  await page.goto(`${BASE}/`, { waitUntil: "load" });
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Skip to content");
  await page.keyboard.press("Enter");
  let reached = false;
  for (let i = 0; i < 80 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => {
      const a = document.activeElement;
      return a && a.closest("#list") !== null && a.textContent.includes("Add authentication metadata");
    });
  }
  assert.ok(reached, "the coordination's link is reachable with Tab");
  await Promise.all([page.waitForURL(/\/coordinations\/3$/), page.keyboard.press("Enter")]);

  step("keyboard: sign in");
  await page.goto(`${BASE}/`, { waitUntil: "load" });
  let onSignIn = false;
  for (let i = 0; i < 20 && !onSignIn; i++) {
    await page.keyboard.press("Tab");
    onSignIn = await page.evaluate(() => document.activeElement.textContent === "Sign in to act");
  }
  assert.ok(onSignIn, "the sign-in link is reachable with Tab");
  await Promise.all([page.waitForURL(/\/signin/), page.keyboard.press("Enter")]);
  await axe(page, "/signin");
  let onToken = false;
  for (let i = 0; i < 20 && !onToken; i++) {
    await page.keyboard.press("Tab");
    onToken = await page.evaluate(() => document.activeElement.id === "token");
  }
  assert.ok(onToken, "the token field is reachable with Tab");
  await page.keyboard.type(TOKEN);
  await Promise.all([page.waitForURL(`${BASE}/`), page.keyboard.press("Enter")]);
  assert.ok((await page.getByRole("button", { name: "Sign out" }).count()) === 1, "signed in");

  step("keyboard: unblock loqa-skills");
  await page.goto(`${BASE}/coordinations/3`, { waitUntil: "load" });
  let onUnblock = false;
  for (let i = 0; i < 60 && !onUnblock; i++) {
    await page.keyboard.press("Tab");
    onUnblock = await page.evaluate(() => document.activeElement.textContent === "Unblock");
  }
  assert.ok(onUnblock, "the Unblock button is reachable with Tab");
  await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
  const unblocked = await page.locator("main").innerText();
  assert.ok(unblocked.includes("Nothing is blocked"), `after Unblock: ${page.url()}\n${unblocked.slice(0, 600)}`);
  await axe(page, "/coordinations/3 (signed in)");

  // -- act in one tab, see it live in another -----------------------------------------------
  step("live: block in one tab, see it in the other");
  const watcher = await context.newPage();
  await watcher.goto(`${BASE}/coordinations/3`, { waitUntil: "load" });
  await watcher.evaluate(() => { window.__noReload = true; });
  await watcher.waitForFunction(() => document.getElementById("live").textContent === "live");
  const listWatcher = await context.newPage();
  await listWatcher.goto(`${BASE}/`, { waitUntil: "load" });
  await listWatcher.waitForFunction(() => document.getElementById("live").textContent === "live");

  await page.bringToFront();
  const row = page.locator("#child-loqa-relay");
  await row.locator("select[name=status]").selectOption("blocked");
  await Promise.all([page.waitForURL(/\/coordinations\/3/), row.getByRole("button", { name: /Move/ }).click()]);
  assert.match(await page.locator(".notice.refused").innerText(), /reason/i, "a block without reason shows the engine's refusal");
  const row2 = page.locator("#child-loqa-relay");
  await row2.locator("select[name=status]").selectOption("blocked");
  await row2.locator("input[name=reason]").fill("staging cluster is down");
  await Promise.all([page.waitForURL(/#child-loqa-relay$/), row2.getByRole("button", { name: /Move/ }).click()]);

  await watcher.locator("#blockers", { hasText: "staging cluster is down" }).waitFor({ timeout: TIMEOUT });
  assert.equal(await watcher.evaluate(() => window.__noReload), true, "the second tab updated without a reload");
  await listWatcher.locator("#attention", { hasText: "staging cluster is down" }).waitFor({ timeout: TIMEOUT });

  step("tick a checklist item");
  await page.goto(`${BASE}/coordinations/3#child-loqa-commander`, { waitUntil: "load" });
  const hub = page.locator("#child-loqa-commander");
  await hub.locator("summary").click();
  const unticked = hub.locator("button.check[aria-pressed=false]").first();
  const label = (await unticked.innerText()).replace(/^\S+\s*/, "");
  await Promise.all([page.waitForURL(/#child-loqa-commander$/), unticked.click()]);
  await page.locator("#child-loqa-commander summary").click();
  const after = page.locator("#child-loqa-commander button.check[aria-pressed=true]", { hasText: label });
  assert.equal(await after.count(), 1, `item "${label}" is ticked`);

  await context.close();
  console.log(`FIGURES ${JSON.stringify(figures)}`);
  for (const [k, v] of Object.entries(figures)) {
    assert.ok(v >= 0 && v < 5000, `${k} = ${v} ms`);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e && e.stack ? e.stack : e);
    process.exit(1);
  },
);
