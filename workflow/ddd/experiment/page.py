"""The experiment page: one self-contained HTML file (style and script inline, the pairs
embedded as JSON) that shows the stimuli from the `stimuli/` folder beside it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ddd.experiment import stimuli

ASSETS = Path(__file__).with_name("assets")
STIMULI = "stimuli"
CSV_COLUMNS = ["subject", "trial", "left_image", "right_image", "choice", "correct", "rt_ms"]


def manifest(pairs: pd.DataFrame, study: str, display_size: int, selection: dict) -> dict:
    """The experiment's description: settings, and per pair both images (id, class, share
    of runs right, stimulus file relative to the page)."""
    def image(row: pd.Series, kind: str) -> dict:
        return {"image_id": int(row[f"{kind}_id"]), "label": int(row[f"{kind}_label"]),
                "share_right": float(row[f"{kind}_share_right"]),
                "file": f"{STIMULI}/{stimuli.file_name(row[f'{kind}_id'])}"}

    return {
        "study": study,
        "display_size": int(display_size),
        "selection": dict(selection),
        "csv_columns": CSV_COLUMNS,
        "pairs": [{"pair": int(row["pair"]), "same_class": bool(row["same_class"]),
                   "trivial": image(row, "trivial"), "impossible": image(row, "impossible")}
                  for _, row in pairs.iterrows()],
    }


def pair_table(manifest: dict) -> pd.DataFrame:
    """pair, trivial_id and impossible_id of every pair of a manifest."""
    return pd.DataFrame([(p["pair"], p["trivial"]["image_id"], p["impossible"]["image_id"])
                         for p in manifest["pairs"]],
                        columns=["pair", "trivial_id", "impossible_id"])


def script_json(data: dict) -> str:
    """JSON that cannot end the <script> element it is embedded in."""
    return json.dumps(data, separators=(",", ":")).replace("</", "<\\/")


def fill(template: str, parts: dict[str, str]) -> str:
    """The asset `template` (a file name in ASSETS) with each @@MARKER@@ of `parts`
    replaced; a marker the template lacks is an error."""
    html = (ASSETS / template).read_text()
    for marker, text in parts.items():
        if marker not in html:
            raise ValueError(f"{ASSETS / template} lacks the marker {marker}")
        html = html.replace(marker, text)
    return html


def render(manifest: dict) -> str:
    """index.html for a manifest: what the page needs (pairs, files, columns) is embedded."""
    data = {"study": manifest["study"], "display_size": manifest["display_size"],
            "csv_columns": manifest["csv_columns"],
            "pairs": [{"pair": p["pair"],
                       "trivial": {k: p["trivial"][k] for k in ("image_id", "file")},
                       "impossible": {k: p["impossible"][k] for k in ("image_id", "file")}}
                      for p in manifest["pairs"]]}
    return fill("page.html", {"@@STYLE@@": (ASSETS / "experiment.css").read_text(),
                              "@@SCRIPT@@": (ASSETS / "experiment.js").read_text(),
                              "@@DATA@@": script_json(data),
                              "@@TRIALS@@": str(len(manifest["pairs"])),
                              "@@SIZE@@": str(manifest["display_size"])})
