// Two-alternative forced choice: which image of a pair is harder for the networks?
// Trials come in a new random order for every subject, each pair's images on random
// sides. Reaction time runs from the moment both images are on screen to the answer.
"use strict";
(function () {
  const BLANK_MS = 300;  // blank screen between trials
  const SUBJECT = /^[A-Za-z0-9_-]{1,40}$/;
  const data = JSON.parse(document.getElementById("experiment-data").textContent);
  const el = (id) => document.getElementById(id);
  const state = { subject: "", trials: [], index: 0, rows: [], shownAt: 0, accepting: false };

  function shuffle(items) {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  function makeTrials(pairs) {
    return shuffle(pairs.map((p) => (Math.random() < 0.5
      ? { left: p.impossible, right: p.trivial, harder: "left" }
      : { left: p.trivial, right: p.impossible, harder: "right" })));
  }

  function show(id) {
    for (const section of ["intro", "task", "done"]) el(section).hidden = section !== id;
  }

  function fail(message) {
    state.accepting = false;
    el("fatal").textContent = message;
    el("fatal").hidden = false;
  }

  function preload(pairs) {
    const files = pairs.flatMap((p) => [p.trivial.file, p.impossible.file]);
    return Promise.all(files.map((file) => {
      const img = new Image();
      img.src = file;
      return img.decode().catch(() => { throw new Error("cannot load " + file); });
    }));
  }

  function setProgress(done) {
    const total = state.trials.length;
    el("progress-fill").style.width = (100 * done / total) + "%";
    document.querySelector(".progress").setAttribute("aria-valuenow", String(done));
    el("progress-text").textContent = done < total
      ? "Trial " + (done + 1) + " of " + total : "Done";
  }

  function present() {
    const trial = state.trials[state.index];
    const stage = el("stage");
    state.accepting = false;
    stage.classList.add("blank");
    setProgress(state.index);
    setTimeout(() => {
      el("left").src = trial.left.file;
      el("right").src = trial.right.file;
      Promise.all([el("left").decode(), el("right").decode()]).then(() => {
        requestAnimationFrame(() => {  // the images appear with the next frame
          stage.classList.remove("blank");
          state.shownAt = performance.now();
          state.accepting = true;
        });
      }, () => fail("The images of trial " + (state.index + 1) + " did not load."));
    }, BLANK_MS);
  }

  function respond(choice) {
    if (!state.accepting) return;
    state.accepting = false;
    const rt = performance.now() - state.shownAt;
    const trial = state.trials[state.index];
    state.rows.push([state.subject, state.index + 1, trial.left.image_id,
      trial.right.image_id, choice, choice === trial.harder ? 1 : 0, rt.toFixed(1)]);
    state.index += 1;
    if (state.index < state.trials.length) present(); else finish();
  }

  function finish() {
    setProgress(state.trials.length);
    window.removeEventListener("beforeunload", warnBeforeLeaving);
    const lines = [data.csv_columns.join(",")].concat(state.rows.map((r) => r.join(",")));
    const blob = new Blob([lines.join("\n") + "\n"], { type: "text/csv" });
    const link = el("download");
    link.href = URL.createObjectURL(blob);
    link.download = "responses_" + data.study + "_" + state.subject + ".csv";
    show("done");
  }

  function warnBeforeLeaving(event) {
    event.preventDefault();
    event.returnValue = "";
  }

  el("start-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const subject = el("subject").value.trim();
    if (!SUBJECT.test(subject)) {
      el("start-error").textContent = "Use 1 to 40 letters, digits, - or _.";
      el("start-error").hidden = false;
      return;
    }
    el("start").disabled = true;
    state.subject = subject;
    state.trials = makeTrials(data.pairs);
    preload(data.pairs).then(() => {
      window.addEventListener("beforeunload", warnBeforeLeaving);
      show("task");
      present();
    }, (error) => fail(error.message + ": serve this folder with a static file server."));
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    if (el("task").hidden) return;
    event.preventDefault();
    if (!event.repeat) respond(event.key === "ArrowLeft" ? "left" : "right");
  });
  el("left").addEventListener("click", () => respond("left"));
  el("right").addEventListener("click", () => respond("right"));

  if (data.pairs.length === 0) {
    el("start").disabled = true;
    fail("This experiment has no pairs: the study has no trivial or no impossible images.");
  }
})();
