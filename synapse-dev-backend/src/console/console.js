// The synapse console's live updates: the page's event stream (its body's `data-stream`)
// carries the fragments that changed, rendered by the backend; they are swapped in here.
"use strict";

(function () {
  const stream = document.body.dataset.stream;
  const live = document.getElementById("live");
  const say = (text, state) => {
    live.textContent = text;
    live.dataset.state = state;
  };

  // The runs page: its rows, and the number of runs.
  function onRuns(event) {
    const update = JSON.parse(event.data);
    const rows = document.querySelector("#runs tbody");
    if (rows && rows.innerHTML !== update.rows) rows.innerHTML = update.rows;
    const count = document.getElementById("count");
    if (count) count.textContent = String(update.count);
  }

  // A job page: its sections, then its new log entries (each once, whatever reconnects).
  function onJob(event) {
    const update = JSON.parse(event.data);
    for (const [id, html] of Object.entries(update.sections)) {
      const section = document.getElementById(id);
      if (section && section.innerHTML !== html) section.innerHTML = html;
    }
    const logs = document.getElementById("logs");
    if (logs && update.logs) {
      const last = Number(logs.dataset.last || 0);
      const template = document.createElement("template");
      template.innerHTML = "<table><tbody>" + update.logs + "</tbody></table>";
      const body = logs.tBodies[0];
      for (const row of template.content.querySelectorAll("tr[data-log]")) {
        if (Number(row.dataset.log) > last) body.appendChild(row);
      }
      logs.dataset.last = String(Math.max(last, update.last_log));
    }
    document.body.dataset.status = update.status;
  }

  if (stream) {
    const source = new EventSource(stream);
    source.onopen = () => say("live", "open");
    source.onerror = () => say("reconnecting", "error");
    source.addEventListener("runs", onRuns);
    source.addEventListener("job", onJob);
    source.addEventListener("gone", () => {
      say("job deleted", "closed");
      source.close();
    });
    source.addEventListener("failure", (event) => say("backend error: " + event.data, "error"));
  }
  // What the browser test times: the page is parsed and its rows are in place.
  document.documentElement.dataset.rendered = "true";
  performance.mark("console-rendered");
})();
