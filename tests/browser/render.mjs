// Renders Mermaid diagrams with Mermaid's own library in headless Chromium, and reports what each SVG holds.
//
//   node render.mjs DIAGRAMS.json OUT_DIR
//
// DIAGRAMS.json is a list of {"name": ..., "text": ...}. For each diagram the script parses it (a parse error fails
// the run), renders it, saves OUT_DIR/<name>.png, and prints one JSON report: per diagram, the node and subgraph
// IDs found in the SVG, the number of edges, and the text of every label. Exit 0 when every diagram rendered.
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const [input, outDir] = process.argv.slice(2);
if (!input || !outDir) {
  console.error('usage: node render.mjs DIAGRAMS.json OUT_DIR');
  process.exit(2);
}
const diagrams = JSON.parse(readFileSync(input, 'utf8'));
mkdirSync(outDir, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const reports = [];
let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1200 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  // Nothing may come from the network: the page and Mermaid are local files.
  await page.route(/^(?!file:)/, (route) => route.abort());
  await page.goto(pathToFileURL(join(here, 'page.html')).href);
  await page.waitForFunction(() => typeof window.mermaid !== 'undefined');
  for (const [index, diagram] of diagrams.entries()) {
    const report = await page.evaluate(async ({ text, id }) => {
      const mermaid = window.mermaid;
      mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'default' });
      try {
        await mermaid.parse(text);
      } catch (error) {
        return { ok: false, error: 'parse: ' + String(error && error.message || error) };
      }
      let svg;
      try {
        ({ svg } = await mermaid.render(id, text));
      } catch (error) {
        return { ok: false, error: 'render: ' + String(error && error.message || error) };
      }
      const out = document.getElementById('out');
      out.innerHTML = svg;
      const root = out.querySelector('svg');
      // Mermaid scales the SVG to its container; draw it at its natural size for the screenshot.
      const natural = root.viewBox.baseVal;
      root.style.maxWidth = 'none';
      root.setAttribute('width', String(natural.width));
      root.setAttribute('height', String(natural.height));
      const nodes = [...root.querySelectorAll('g.node')].map((g) => g.getAttribute('data-id') || g.id);
      const clusters = [...root.querySelectorAll('g.cluster')].map((g) => g.getAttribute('data-id') || g.id);
      const edges = root.querySelectorAll('path.flowchart-link, .edgePaths path').length;
      const labels = [...root.querySelectorAll('g.node, g.cluster, g.edgeLabel')]
        .map((g) => {
          const html = g.querySelector('foreignObject div, foreignObject span');
          return html ? html.innerText : g.textContent;
        })
        .map((t) => t.trim()).filter((t) => t.length > 0);
      const box = root.getBoundingClientRect();
      return { ok: true, nodes, clusters, edges, labels, width: box.width, height: box.height };
    }, { text: diagram.text, id: `diagram${index}` });
    report.name = diagram.name;
    if (report.ok) {
      report.screenshot = join(outDir, `${diagram.name}.png`);
      await page.locator('#out').screenshot({ path: report.screenshot });
    } else {
      failed = true;
    }
    reports.push(report);
  }
  if (problems.length) {
    failed = true;
    reports.push({ name: 'page', ok: false, error: problems.join('\n') });
  }
} finally {
  await browser.close();
}
writeFileSync(join(outDir, 'report.json'), JSON.stringify(reports, null, 2));
console.log(JSON.stringify(reports));
process.exit(failed ? 1 : 0);
