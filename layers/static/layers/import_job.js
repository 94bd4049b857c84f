// Follows an import job: polls the API once a second until the worker is done.
(function () {
  const box = document.getElementById("import-job");
  if (!box) return;
  const bar = document.getElementById("import-progress");
  const status = document.getElementById("import-status");
  const notes = document.getElementById("import-notes");

  function show(job) {
    if (job.total > 0) {
      bar.value = Math.round((100 * job.done) / job.total);
    }
    status.textContent = `${job.status} — ${job.done} / ${job.total}`;
    if (job.status === "succeeded") {
      bar.value = 100;
      const r = job.report;
      status.textContent = `${box.dataset.doneLabel}: +${r.created} / ~${r.updated} / −${r.removed} (v${r.version})`;
      notes.replaceChildren(...r.notes.map((text) => Object.assign(document.createElement("li"), { textContent: text })));
    } else if (job.stalled) {
      status.textContent = box.dataset.stalledLabel;
      status.classList.add("error");
      return true;
    } else if (job.status === "failed") {
      status.textContent = `${box.dataset.failedLabel}: ${job.error}`;
      status.classList.add("error");
    }
    return job.status === "succeeded" || job.status === "failed";
  }

  async function poll() {
    const response = await fetch(box.dataset.url, { credentials: "same-origin" });
    if (response.ok && show(await response.json())) return;
    setTimeout(poll, 1000);
  }
  poll();
})();
