// yikatong: small progressive enhancements, no framework, no CDN.
"use strict";

function followProgress(box) {
  const url = box.dataset.progressUrl;
  const bar = box.querySelector(".progress-bar");
  const meter = box.querySelector(".progress");
  const field = (name) => box.querySelector(`[data-field="${name}"]`);
  const tick = async () => {
    let data;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      data = await response.json();
    } catch (err) {
      window.setTimeout(tick, 3000);
      return;
    }
    // What to show is the server's to say (tasks/selectors.py, task_run_display): a failed run shows its
    // error once, without the counter or the step it had reached.
    const shown = data.display;
    bar.style.width = `${data.percent}%`;
    meter.setAttribute("aria-valuenow", String(data.percent));
    meter.hidden = !shown.show_progress;
    const status = field("status_display");
    status.textContent = data.status_display;
    status.className = `badge ${data.status}`;
    field("counts").textContent = shown.counts;
    field("message").textContent = shown.message;
    field("attempts").textContent = String(data.attempts);
    const error = field("error");
    error.textContent = shown.error;
    error.hidden = !shown.error;
    const link = field("link");
    if (data.result && data.result.link) {
      const anchor = document.createElement("a");
      anchor.href = data.result.link.url;
      anchor.textContent = data.result.link.label;
      link.replaceChildren(anchor);
      link.hidden = false;
    }
    const summary = field("summary");
    summary.textContent = shown.summary;
    summary.hidden = !shown.summary;
    box.dataset.status = data.status;
    if (!data.finished) window.setTimeout(tick, 1000);
  };
  tick();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-progress-url]").forEach(followProgress);
});
