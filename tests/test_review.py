"""The error-review page: which images and answers it shows, how answer files are checked
and scored into acceptable labels, the agreement between reviewers; and the page itself in
Debian's Chromium with two scripted reviewers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from ddd.analysis import acceptable
from ddd.experiment import review, review_scoring, stimuli
from ddd.experiment.answers import ResponseError
from ddd.io.atomic import write_text
from tests import headless

# 6 images: 0 and 3 impossible, 1 and 4 in-between, 2 and 5 trivial; 4 runs.
IMAGES = pd.DataFrame({"image_id": range(6), "label": [0, 1, 2, 0, 1, 2],
                       "n_correct": [0, 2, 4, 0, 1, 4],
                       "category": ["impossible", "in_between", "trivial"] * 2})
RUNS = ["a-1", "b-1", "c-1", "d-1"]
PREDICTIONS = pd.DataFrame({"label": IMAGES["label"],
                            "a-1": [1, 1, 2, 2, 1, 2], "b-1": [1, 1, 2, 2, 0, 2],
                            "c-1": [2, 0, 2, 3, 0, 2], "d-1": [3, 2, 2, 1, 2, 2]},
                           index=pd.Index(range(6), name="image_id"))
NAMES = ["zero", "one", "two", "three"]


def built() -> dict:
    return review.manifest(review.select(IMAGES, PREDICTIONS, RUNS, 3), "s", NAMES, 4, 64)


def test_impossible_first_with_the_most_common_wrong_answers():
    items = review.select(IMAGES, PREDICTIONS, RUNS, 3)
    assert items["image_id"].tolist() == [0, 3, 4]  # impossible by id, then in-between
    # image 0 (label 0): answers 1 1 2 3 -> 1 (2 runs), then 2 and 3 (1 run each)
    assert items["candidates"][0] == [(0, None), (1, 2), (2, 1), (3, 1)]
    # image 4 (label 1): answers 1 0 0 2 -> 0 (2 runs), 2 (1 run); the right one is not shown
    assert items["candidates"][2] == [(1, None), (0, 2), (2, 1)]
    manifest = built()
    assert manifest["items"][0]["candidates"][1] == {"class": 1, "name": "one", "runs": 2}


def answers(path: Path, reviewer_id: str, accept: set[tuple[int, int]]) -> Path:
    rows = [",".join(review.REVIEW_COLUMNS)]
    for item in built()["items"]:
        for c in item["candidates"]:
            ok = (item["image_id"], c["class"]) in accept
            rows.append(f"{reviewer_id},{item['item']},{item['image_id']},{c['class']},{int(ok)}")
    path.write_text("\n".join(rows) + "\n")
    return path


A = {(0, 0), (0, 1), (3, 2), (4, 1)}
B = {(0, 1), (3, 2), (3, 0), (4, 0)}
C = {(0, 1), (4, 1)}


def test_scoring_rule_turns_answers_into_acceptable_labels(tmp_path):
    files = [answers(tmp_path / f"{r}.csv", r, s) for r, s in zip("ABC", (A, B, C),
                                                                   strict=True)]
    reviews = review_scoring.read_all(files, built())
    majority = review_scoring.acceptable_table(reviews, "majority")
    # image 0: 1 by all three; image 3: 2 by A and B; image 4: 1 by A and C
    assert majority.to_numpy().tolist() == [[0, 1], [3, 2], [4, 1]]
    anyone = review_scoring.acceptable_table(reviews, "any")
    assert sorted(map(tuple, anyone.to_numpy().tolist())) == sorted(A | B | C)
    # the scored table is an acceptable-labels file of the table format
    path = tmp_path / "acceptable.csv"
    majority.to_csv(path, index=False)
    table = acceptable.read(path, "table", np.arange(6), IMAGES["label"].to_numpy(), 4)
    assert list(map(tuple, table.to_numpy())) == [(0, 1), (1, 1), (2, 2), (3, 2), (4, 1),
                                                 (5, 2)]
    counts = review_scoring.verdicts(majority, built())
    assert counts == {"given label": 1, "a prediction": 2, "both": 0, "neither": 0}


def test_nothing_accepted_leaves_the_image_out(tmp_path):
    reviews = review_scoring.read_all([answers(tmp_path / "a.csv", "A", {(0, 1)})], built())
    table = review_scoring.acceptable_table(reviews, "majority")
    path = tmp_path / "acceptable.csv"
    table.to_csv(path, index=False)
    kept = acceptable.rated(acceptable.read(path, "table", np.arange(6),
                                            IMAGES["label"].to_numpy(), 4), np.arange(6))
    assert kept.tolist() == [True, True, True, False, False, True]


def test_agreement_against_sklearn_and_a_hand_computed_fleiss_kappa(tmp_path):
    files = [answers(tmp_path / f"{r}.csv", r, s) for r, s in zip("ABC", (A, B, C),
                                                                   strict=True)]
    reviews = review_scoring.read_all(files, built())
    table = review_scoring.decisions(reviews)
    pairs = review_scoring.pairwise_kappa(reviews)
    for row in pairs.itertuples():
        expected = cohen_kappa_score(table.loc[row.reviewer_a], table.loc[row.reviewer_b])
        assert row.kappa == pytest.approx(expected)
    # Fleiss by hand: 10 decisions (4 + 3 + 3 candidates), 3 raters
    yes = table.sum(axis=0).to_numpy()
    n, k = 3, len(yes)
    p_i = (yes * (yes - 1) + (n - yes) * (n - yes - 1)) / (n * (n - 1))
    p_yes = yes.sum() / (n * k)
    p_e = p_yes ** 2 + (1 - p_yes) ** 2
    assert review_scoring.fleiss_kappa(reviews) == pytest.approx((p_i.mean() - p_e) / (1 - p_e))


def test_bad_review_files_name_file_line_and_problem(tmp_path):
    good = answers(tmp_path / "a.csv", "A", A).read_text().splitlines()
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([good[0], good[1].replace(",0,1", ",9,1"), *good[2:5]]) + "\n")
    with pytest.raises(ResponseError) as raised:
        review_scoring.read_all([bad], built())
    message = str(raised.value)
    assert f"{bad}:2: candidate 9 is not shown with item 1" in message
    bad.write_text("\n".join(good[:4]) + "\n")
    with pytest.raises(ResponseError, match=r"unfinished review cannot be scored"):
        review_scoring.read_all([bad], built())
    bad.write_text("reviewer,item\nA,1\n")
    with pytest.raises(ResponseError, match=r"bad.csv:1: the header lacks image_id"):
        review_scoring.read_all([bad], built())


@pytest.mark.skipif(headless.CHROMIUM is None, reason=headless.SKIP_REASON)
def test_scripted_reviewers_in_chromium_score_to_the_expected_table(tmp_path):
    folder = tmp_path / "review"
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, (6, 3, 8, 8), dtype=np.uint8)
    manifest = built()
    stimuli.export(pixels, [i["image_id"] for i in manifest["items"]], 64,
                   folder / "stimuli")
    write_text(folder / "index.html", review.render(manifest))
    html = (folder / "index.html").read_text()
    assert "http://" not in html and "https://" not in html and "@@" not in html
    with headless.served(folder) as url, headless.chromium() as browser:
        files, seen = zip(*(headless.review(browser, url, name,
                                            lambda i, c, s=chosen: (i, c) in s, tmp_path)
                            for name, chosen in (("rev-A", A), ("rev_B", B))), strict=True)
    assert files[0].name == "review_s_rev-A.csv"
    assert [s["image_id"] for s in seen[0]] == [0, 3, 4]
    assert seen[0][0]["candidates"] == [0, 1, 2, 3]
    reviews = review_scoring.read_all(files, manifest)
    written = reviews[reviews["acceptable"]]
    assert set(zip(written["image_id"], written["candidate"], strict=True)) == A | B
    both = review_scoring.acceptable_table(reviews, "majority")  # 2 reviewers: both
    assert sorted(map(tuple, both.dropna().to_numpy().tolist())) == sorted(A & B)
    assert json.loads(html.split('id="review-data" type="application/json">')[1]
                      .split("</script>")[0])["items"] == manifest["items"]
