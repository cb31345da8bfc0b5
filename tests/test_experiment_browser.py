"""The experiment page in a real browser: Debian's headless Chromium, driven by Playwright,
completes the experiment as two scripted observers; their downloaded files are scored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ddd.experiment import page, pairs, scoring, stimuli
from ddd.io.atomic import write_text
from tests import headless

pytestmark = pytest.mark.skipif(headless.CHROMIUM is None, reason=headless.SKIP_REASON)


@pytest.fixture(scope="module")
def experiment(tmp_path_factory) -> tuple[Path, dict]:
    """A built experiment of 5 pairs from a synthetic atlas of 8x8 images."""
    folder = tmp_path_factory.mktemp("experiment")
    rng = np.random.default_rng(7)
    n_correct = np.tile([0, 4, 2, 0, 4], 8)
    atlas = pd.DataFrame({"image_id": np.arange(40), "label": np.arange(40) % 5, "runs": 4,
                          "n_correct": n_correct, "share_right": n_correct / 4})
    images = rng.integers(0, 256, (40, 3, 8, 8), dtype=np.uint8)
    chosen = pairs.select_pairs(atlas, 5, seed=0, tolerance=0)
    stimuli.export(images, [*chosen["trivial_id"], *chosen["impossible_id"]], 224,
                   folder / page.STIMULI)
    manifest = page.manifest(chosen, "synthetic", 224, {"pairs": 5, "seed": 0})
    write_text(folder / "index.html", page.render(manifest))
    return folder, manifest


@pytest.fixture(scope="module")
def url(experiment) -> Iterator[str]:
    """The experiment folder served over HTTP on 127.0.0.1 (any free port)."""
    with headless.served(experiment[0]) as address:
        yield address


@pytest.fixture(scope="module")
def browser():
    with headless.chromium() as chromium:
        yield chromium


def observe(browser, url: str, subject: str, impossible: dict[str, int],
            right_pairs: set[int], folder: Path) -> tuple[Path, list[dict]]:
    """Complete the experiment: pick the impossible image on `right_pairs`, the trivial one
    otherwise; answer by arrow key on odd trials and by click on even ones. Returns the
    downloaded file and what the observer saw and did."""
    seen = []
    with headless.tab(browser, url, folder) as (tab, saved):
        tab.fill("#subject", subject)
        tab.click("#start")
        for trial in range(len(impossible)):
            tab.wait_for_function(
                "n => document.querySelector('.progress').getAttribute('aria-valuenow') == n"
                " && !document.getElementById('stage').classList.contains('blank')",
                arg=trial)
            left, right = (tab.get_attribute(f"#{side}", "src") for side in ("left", "right"))
            pair = impossible.get(left, impossible.get(right))
            hard_side = "left" if left in impossible else "right"
            easy_side = "right" if hard_side == "left" else "left"
            choice = hard_side if pair in right_pairs else easy_side
            if trial % 2 == 0:
                tab.keyboard.press("ArrowLeft" if choice == "left" else "ArrowRight")
            else:
                tab.click(f"#{choice}")
            seen.append({"pair": pair, "left": left, "right": right, "choice": choice})
    return saved["answers"], seen


def test_scripted_observers_are_scored_as_they_answered(experiment, url, browser, tmp_path):
    folder, manifest = experiment
    impossible = {p["impossible"]["file"]: p["pair"] for p in manifest["pairs"]}
    a, seen_a = observe(browser, url, "obs-A", impossible, {1, 2, 3}, tmp_path)
    b, seen_b = observe(browser, url, "obs_B", impossible, {1, 2, 4}, tmp_path)
    assert a.name == "responses_synthetic_obs-A.csv"
    assert sorted(s["pair"] for s in seen_a) == [1, 2, 3, 4, 5]  # every pair once

    table = pd.read_csv(a)
    assert table.columns.tolist() == page.CSV_COLUMNS
    assert table["trial"].tolist() == [1, 2, 3, 4, 5]
    assert table["choice"].tolist() == [s["choice"] for s in seen_a]
    files = {int(i): f for f, i in ((p["file"], p["image_id"]) for m in manifest["pairs"]
                                     for p in (m["trivial"], m["impossible"]))}
    assert [files[i] for i in table["left_image"]] == [s["left"] for s in seen_a]
    assert table["rt_ms"].between(0, 15_000).all() and (table["rt_ms"] > 0).all()

    responses = scoring.read_all([a, b], page.pair_table(manifest))
    scores = scoring.subject_scores(responses).set_index("subject")
    assert scores["accuracy"].to_dict() == {"obs-A": 0.6, "obs_B": 0.6}
    kappa = scoring.subject_kappa(responses)
    # Right on pairs {1,2,3} and {1,2,4}: agree on 3 of 5, c_exp = 0.6^2 + 0.4^2 = 0.52.
    assert kappa["kappa"].tolist() == pytest.approx([(0.6 - 0.52) / 0.48])


def test_a_bad_subject_id_does_not_start_the_experiment(url, browser):
    tab = browser.new_page()
    tab.goto(url)
    tab.fill("#subject", "no spaces, please")
    tab.click("#start")
    tab.wait_for_timeout(500)
    assert tab.is_hidden("#task") and tab.is_visible("#intro")
    tab.close()


def test_page_is_self_contained(experiment):
    html = (experiment[0] / "index.html").read_text()
    assert "http://" not in html and "https://" not in html and "@@" not in html
    data = html.split('id="experiment-data" type="application/json">')[1].split("</script>")[0]
    assert len(json.loads(data)["pairs"]) == 5
