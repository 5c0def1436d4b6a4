// The dev backend's web console in a real browser (headless Chromium through playwright-core),
// against real plugin runs reporting to the backend. scripts/console-test.sh builds and starts
// what it needs and passes it in the environment:
//
//   CONSOLE_BACKEND_URL  the dev backend (ending in /)     CONSOLE_TOKEN   its access token
//   CONSOLE_CHROMIUM     the Chromium executable            CONSOLE_BIN     the plugins' directory
//   CONSOLE_TMP          a scratch directory
//
// It checks that a running train job's bar advances without a reload and its loss chart has a
// point per epoch the backend received; that a run reporting every epoch (report_metrics) has
// exactly one point per epoch in each chart, and its visualization; that a failed workflow shows
// its error and its rollbacks; and it times the first page with 1,000 recorded runs.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through scripts/console-test.sh`);
  return value;
};
const BACKEND = env("CONSOLE_BACKEND_URL");
const TOKEN = env("CONSOLE_TOKEN");
const BIN = env("CONSOLE_BIN");
const TMP = env("CONSOLE_TMP");
const TRAIN = { epochs: 300, samples: 1_000_000 }; // about 20 ms an epoch in a debug build
const SEEDED_RUNS = 1000;
const RENDER_ROUNDS = 5;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const api = (path, init = {}) =>
  fetch(BACKEND + path, {
    ...init,
    headers: { "Content-Type": "application/json", "Synapse-Access-Token": `Token ${TOKEN}`, ...init.headers },
  }).then(async (response) => {
    const body = await response.json();
    assert.ok(response.ok, `${init.method ?? "GET"} ${path}: ${response.status} ${JSON.stringify(body)}`);
    return body;
  });
const newJob = (plugin, action, params) =>
  api("_dev/jobs", { method: "POST", body: JSON.stringify({ meta: { plugin_run: { plugin, action, params } } }) });

/** Runs `binary run <action>` for job `job`, reporting to the backend; resolves to its exit. */
function runPlugin(binary, action, params, job) {
  const child = spawn(join(BIN, binary), ["run", action, "--params", JSON.stringify(params), "--job-id", String(job)], {
    env: { PATH: process.env.PATH, HOME: TMP, SYNAPSE_HOST: BACKEND, SYNAPSE_ACCESS_TOKEN: TOKEN },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stderr }));
  });
}

/** Waits until `check` (run in the page) is true. */
async function until(page, what, check, arg, timeout = 30_000) {
  try {
    await page.waitForFunction(check, arg, { timeout, polling: 50 });
  } catch (error) {
    throw new Error(`waiting for ${what}: ${error.message}`);
  }
}

const overall = (page) => page.$eval("#overall", (bar) => bar.value);
const statusOf = (page) => page.$eval("#head .status", (badge) => badge.textContent);
const points = (page, metric) =>
  page.$$eval(`figure.chart[data-metric="${metric}"] circle.point`, (circles) =>
    circles.map((circle) => ({ category: circle.dataset.category, x: Number(circle.dataset.x) })),
  );

async function trainJobAdvancesLive(browser) {
  const job = await newJob("quickstart", "train", TRAIN);
  const runs = await browser.newPage();
  await runs.goto(BACKEND + "console/");
  await runs.waitForSelector(`#runs tr[data-job="${job.id}"]`);
  const page = await browser.newPage();
  await page.goto(`${BACKEND}console/jobs/${job.id}`);
  await page.evaluate(() => (window.notReloaded = true));
  const run = runPlugin("quickstart-plugin", "train", TRAIN, job.id);

  await until(page, "the train job to report progress", () => document.getElementById("overall")?.value > 0);
  const first = await overall(page);
  await until(page, "the bar to move", (from) => document.getElementById("overall").value > from, first);
  const second = await overall(page);
  const status = await statusOf(page);
  assert.equal(status, "RUNNING", `the second read (${second}%) was taken while the job ran`);
  assert.ok(second > first && second < 100, `the bar advanced live: ${first}% then ${second}%`);
  console.log(`train job ${job.id}: its bar advanced from ${first}% to ${second}% while it ran`);

  const { code, stderr } = await run;
  assert.equal(code, 0, `quickstart train failed:\n${stderr}`);
  await until(page, "the job page to show SUCCEEDED", () => document.body.dataset.status === "SUCCEEDED");
  assert.equal(await overall(page), 100);
  assert.ok(await page.evaluate(() => window.notReloaded), "the page was never reloaded");
  assert.ok((await page.textContent("#result")).includes('"final_loss"'), "the result is shown");
  await until(
    runs,
    "the runs page to show the job SUCCEEDED",
    (id) => document.querySelector(`#runs tr[data-job="${id}"] .status`)?.textContent === "SUCCEEDED",
    job.id,
  );

  // set_metrics: the backend gets the latest values at most once a second; the chart has a
  // point for each epoch it got, the last one included.
  const state = await fetch(BACKEND + "_dev/state").then((response) => response.json());
  const patches = state.jobs.find((shown) => shown.id === job.id).patches;
  const epochs = new Set(
    patches.map((patch) => patch.body.metrics_record?.record?.steps?.train?.epoch).filter((x) => x !== undefined),
  );
  const loss = await points(page, "loss");
  assert.deepEqual(loss.map((point) => point.x), [...epochs].sort((a, b) => a - b), "a loss point per epoch received");
  assert.ok(loss.length >= 2 && loss.at(-1).x === TRAIN.epochs, `loss points at epochs ${loss.map((p) => p.x)}`);
  console.log(`train job ${job.id}: ${loss.length} loss points, one for each epoch the backend received`);
  await runs.close();
  await page.close();
}

async function everyEpochIsCharted(browser) {
  const epochs = 12;
  const image = join("examples/image_pipeline/samples", readdirSync("examples/image_pipeline/samples")[0]);
  const job = await newJob("faulty", "visualize", { image, epochs });
  const page = await browser.newPage();
  await page.goto(`${BACKEND}console/jobs/${job.id}`);
  const { code, stderr } = await runPlugin("faulty-plugin", "visualize", { image, epochs }, job.id);
  assert.equal(code, 0, `faulty visualize failed:\n${stderr}`);
  await until(page, "the charts", (n) => document.querySelectorAll("circle.point").length === 2 * n, epochs);
  const expected = Array.from({ length: epochs }, (_, index) => index + 1);
  assert.deepEqual((await points(page, "loss")).map((point) => [point.category, point.x]), expected.map((x) => ["train", x]));
  assert.deepEqual(
    (await points(page, "map50")).map((point) => [point.category, point.x]),
    expected.map((x) => ["validation", x]),
  );
  await until(page, "the visualization", () => document.querySelector("figure.visualization img")?.complete);
  const width = await page.$eval("figure.visualization img", (img) => img.naturalWidth);
  assert.ok(width > 0, "the visualization's image loaded");
  console.log(`visualize job ${job.id}: ${epochs} loss and ${epochs} map50 points, one per epoch, and its image`);
  await page.close();
}

async function failedWorkflowShowsRollbacks(browser) {
  const params = { input_dir: "examples/image_pipeline/samples", output_dir: join(TMP, "resized"), fail_at: "generate_report" };
  const job = await newJob("image_pipeline", "process_images", params);
  const page = await browser.newPage();
  await page.goto(`${BACKEND}console/jobs/${job.id}`);
  const { code } = await runPlugin("image-pipeline-plugin", "process_images", params, job.id);
  assert.notEqual(code, 0, "the workflow fails on purpose");
  await until(page, "the job page to show FAILED", () => document.body.dataset.status === "FAILED");
  await until(page, "the rollbacks", () => document.querySelectorAll("#rollbacks li").length === 3);
  const rollbacks = await page.$$eval("#rollbacks li", (items) =>
    items.map((item) => [item.dataset.step, item.textContent.includes("rolled back")]),
  );
  assert.deepEqual(rollbacks, [["generate_report", true], ["resize_images", true], ["discover_images", true]]);
  assert.match(await page.textContent("#error"), /failing on purpose/);
  const steps = await page.$$eval("#steps tr[data-step]", (rows) => rows.map((row) => row.dataset.step));
  assert.deepEqual(steps, ["discover_images", "resize_images", "generate_report"]);
  console.log(`failed workflow ${job.id}: its error and the rollbacks of ${rollbacks.map(([step]) => step).join(", ")}`);
  await page.close();
}

async function seedRuns(count) {
  const statuses = ["SUCCEEDED", "FAILED", "RUNNING", "STOPPED"];
  const one = async (index) => {
    const job = await newJob("quickstart", "train", { epochs: 10 + (index % 90) });
    const percent = Math.round((index * 37) % 101);
    await api(`jobs/${job.id}/`, {
      method: "PATCH",
      body: JSON.stringify({
        status: statuses[index % statuses.length],
        progress_record: {
          record: { steps: { train: { percent } } },
          current_progress: { overall: percent, step: "train", percent },
        },
        metrics_record: { record: { steps: { train: { epoch: index % 90, loss: 1 / (1 + index) } } } },
      }),
    });
  };
  for (let start = 0; start < count; start += 16) {
    await Promise.all(Array.from({ length: Math.min(16, count - start) }, (_, offset) => one(start + offset)));
  }
}

async function firstPageRenderTime(browser) {
  await seedRuns(SEEDED_RUNS);
  const total = (await api("console/api/jobs")).count;
  assert.ok(total >= SEEDED_RUNS, `${total} runs recorded`);
  const times = [];
  const responses = [];
  for (let round = 0; round < RENDER_ROUNDS; round++) {
    const page = await browser.newPage();
    await page.goto(BACKEND + "console/", { waitUntil: "commit" });
    await page.waitForSelector("html[data-rendered]");
    const [rendered, response] = await page.evaluate(() => [
      performance.getEntriesByName("console-rendered")[0].startTime,
      performance.getEntriesByType("navigation")[0].responseEnd,
    ]);
    times.push(rendered);
    responses.push(response);
    assert.equal(await page.$$eval("#runs tbody tr", (rows) => rows.length), 100, "a first page of 100 runs");
    assert.equal(await page.textContent("#count"), String(total));
    await page.close();
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  console.log(
    `figure: the console's first page with ${total} recorded runs rendered in ${median(times).toFixed(1)} ms ` +
      `(navigation start to the rendered rows, median of ${RENDER_ROUNDS}; the page's HTML received at ` +
      `${median(responses).toFixed(1)} ms; all: ${times.map((t) => t.toFixed(1)).join(", ")} ms)`,
  );
}

const browser = await chromium.launch({
  executablePath: env("CONSOLE_CHROMIUM"),
  // Chromium's sandbox needs user namespaces a root shell in a container may not have.
  args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
});
try {
  await trainJobAdvancesLive(browser);
  await everyEpochIsCharted(browser);
  await failedWorkflowShowsRollbacks(browser);
  await firstPageRenderTime(browser);
  console.log("console test: all checks passed");
} finally {
  await browser.close();
}
