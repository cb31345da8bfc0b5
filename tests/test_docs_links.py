"""Every relative link of the documentation resolves: the file exists and, where the link
names a heading (`page.md#heading`), the page has that heading (GitHub's anchors)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([ROOT / "README.md", ROOT / "config" / "README.md",
                *(ROOT / "docs").rglob("*.md")])
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def prose(page: Path) -> list[str]:
    """The page's lines outside fenced code blocks."""
    lines, fenced = [], False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.lstrip("#").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    return {anchor(line) for line in prose(page) if line.startswith("#")}


def links(page: Path) -> list[str]:
    return [target for line in prose(page) for target in LINK.findall(line)
            if not re.match(r"[a-z]+:", target)]


def test_pages_have_links() -> None:
    assert len(PAGES) >= 10
    assert sum(len(links(page)) for page in PAGES) >= 30


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    broken = []
    for target in links(page):
        path, _, heading = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no file {file.relative_to(ROOT)}")
        elif heading and file.suffix == ".md" and heading not in anchors(file):
            broken.append(f"{target}: no heading #{heading} in {file.relative_to(ROOT)}")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)


@pytest.mark.parametrize(("heading", "expected"), [
    ("## Error consistency (kappa)", "error-consistency-kappa"),
    ("## The `ddd` command", "the-ddd-command"),
    ("### Label errors: planted flips", "label-errors-planted-flips"),
])
def test_anchor(heading: str, expected: str) -> None:
    assert anchor(heading) == expected
