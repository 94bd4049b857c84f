// The reports page: asks for an ad-hoc report and follows the runs still being made until they finish.

const form = document.querySelector("[data-adhoc]");
const csrf = document.querySelector("input[name=csrfmiddlewaretoken]");

async function follow(row, id) {
  for (;;) {
    const response = await fetch(`/api/reports/${id}`, { credentials: "same-origin" });
    const run = await response.json();
    const cell = row.querySelector("[data-state]");
    cell.textContent = `${run.status} ${Math.round(100 * run.progress)} % ${run.stage}`;
    if (run.status === "done" || run.status === "failed") { if (run.status === "done") window.location.reload(); return; }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

for (const row of document.querySelectorAll("[data-run]")) {
  if (row.dataset.status === "queued" || row.dataset.status === "running") follow(row, row.dataset.run);
}

if (form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = form.querySelector("[data-adhoc-result]");
    const body = Object.fromEntries([...new FormData(form)].filter(([k, v]) => k !== "csrfmiddlewaretoken" && v));
    const response = await fetch("/api/reports/", { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf.value }, body: JSON.stringify(body) });
    const data = await response.json();
    if (!response.ok) { out.textContent = data.message; return; }
    out.textContent = `#${data.id}: ${data.status}`;
    if (data.status === "done") window.location.reload();
    else {
      const row = document.createElement("tr");
      row.innerHTML = "<td colspan='3'></td><td data-state></td>";
      row.firstChild.textContent = `${data.area_name} ${data.first_day} – ${data.last_day}`;
      document.querySelector("[data-runs] tbody").prepend(row);
      follow(row, data.id);
    }
  });
}
