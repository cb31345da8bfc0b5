// Error review: for each image, tick the candidate answers that are acceptable labels.
// Images come in the review's order (impossible first); one row per candidate is written.
"use strict";
(function () {
  const REVIEWER = /^[A-Za-z0-9_-]{1,40}$/;
  const data = JSON.parse(document.getElementById("review-data").textContent);
  const el = (id) => document.getElementById(id);
  const state = { reviewer: "", index: 0, rows: [] };

  function show(id) {
    for (const section of ["intro", "task", "done"]) el(section).hidden = section !== id;
  }

  function fail(message) {
    el("fatal").textContent = message;
    el("fatal").hidden = false;
  }

  function setProgress(done) {
    const total = data.items.length;
    el("progress-fill").style.width = (100 * done / total) + "%";
    document.querySelector(".progress").setAttribute("aria-valuenow", String(done));
    el("progress-text").textContent = done < total
      ? "Image " + (done + 1) + " of " + total : "Done";
  }

  function present() {
    const item = data.items[state.index];
    setProgress(state.index);
    el("next").disabled = true;
    el("image").src = item.file;
    const list = el("candidates");
    list.replaceChildren();
    item.candidates.forEach((candidate, k) => {
      const li = document.createElement("li");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.id = "candidate-" + k;
      box.dataset.candidate = String(candidate.class);
      const label = document.createElement("label");
      label.htmlFor = box.id;
      label.textContent = candidate.name + " ";
      const source = document.createElement("span");
      source.className = "source";
      source.textContent = candidate.runs === null ? "(dataset label)"
        : "(" + candidate.runs + " of " + data.runs + " networks)";
      label.appendChild(source);
      li.append(box, label);
      list.appendChild(li);
    });
    el("image").decode().then(() => { el("next").disabled = false; },
      () => fail("The image of item " + item.item + " did not load."));
  }

  function record() {
    const item = data.items[state.index];
    for (const box of el("candidates").querySelectorAll("input[type=checkbox]")) {
      state.rows.push([state.reviewer, item.item, item.image_id, box.dataset.candidate,
        box.checked ? 1 : 0]);
    }
    state.index += 1;
    if (state.index < data.items.length) present(); else finish();
  }

  function finish() {
    setProgress(data.items.length);
    window.removeEventListener("beforeunload", warnBeforeLeaving);
    const lines = [data.csv_columns.join(",")].concat(state.rows.map((r) => r.join(",")));
    const blob = new Blob([lines.join("\n") + "\n"], { type: "text/csv" });
    const link = el("download");
    link.href = URL.createObjectURL(blob);
    link.download = "review_" + data.study + "_" + state.reviewer + ".csv";
    show("done");
  }

  function warnBeforeLeaving(event) {
    event.preventDefault();
    event.returnValue = "";
  }

  el("start-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const reviewer = el("reviewer").value.trim();
    if (!REVIEWER.test(reviewer)) {
      el("start-error").textContent = "Use 1 to 40 letters, digits, - or _.";
      el("start-error").hidden = false;
      return;
    }
    state.reviewer = reviewer;
    window.addEventListener("beforeunload", warnBeforeLeaving);
    show("task");
    present();
  });

  el("item-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (!el("next").disabled) record();
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || el("task").hidden) return;
    event.preventDefault();
    if (!event.repeat && !el("next").disabled) record();
  });

  if (data.items.length === 0) {
    el("start").disabled = true;
    fail("This review has no images: the study has no impossible or in-between images.");
  }
})();
