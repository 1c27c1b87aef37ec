// Largest contentful paint of dashboard pages on loopback, measured in Debian's Chromium.
// usage: NODE_PATH=… BASE=http://127.0.0.1:PORT [SHOTS=DIR] node lcp.cjs PATH… (prints one line
// per page). Each page is loaded five times (the first warms the connection); the median of the
// other four is printed. With SHOTS, a screenshot of each page's first screen is saved there.
"use strict";
const { chromium } = require("playwright-core");
const os = require("node:os");
const fs = require("node:fs");
const path = require("node:path");

async function main() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-lcp-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1280, height: 800 },
  });
  context.setDefaultTimeout(60000);
  const page = context.pages()[0] || (await context.newPage());
  for (const p of process.argv.slice(2)) {
    const runs = [];
    for (let i = 0; i < 5; i++) {
      await page.goto(`${process.env.BASE}${p}`, { waitUntil: "load" });
      runs.push(
        await page.evaluate(
          () =>
            new Promise((resolve) => {
              new PerformanceObserver((l) => {
                const e = l.getEntries();
                resolve(e[e.length - 1].startTime);
              }).observe({ type: "largest-contentful-paint", buffered: true });
              setTimeout(() => resolve(-1), 10000);
            }),
        ),
      );
    }
    if (process.env.SHOTS) {
      const name = p.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "") || "list";
      await page.screenshot({ path: path.join(process.env.SHOTS, `${name}.png`) });
    }
    const sorted = runs.slice(1).sort((a, b) => a - b);
    const median = (sorted[1] + sorted[2]) / 2;
    console.log(`LCP ${p}: median ${median.toFixed(0)} ms (runs: ${runs.map((r) => r.toFixed(0)).join(", ")})`);
  }
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
