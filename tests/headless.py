"""Driving the workflow's pages in Debian's headless Chromium (Playwright): a folder served
over HTTP, the browser, a tab that records page errors, the download of the answer file,
and a scripted reviewer of the error-review page (tests/test_experiment_browser.py
scripts the experiment page's observers)."""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

CHROMIUM = shutil.which("chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
SKIP_REASON = "Debian's chromium is not installed (apt-get install chromium)"


@contextlib.contextmanager
def served(folder: Path) -> Iterator[str]:
    """`folder`'s index.html served over HTTP on 127.0.0.1 (any free port)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS,
                                             headless=True, timeout=60_000)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def tab(browser, url: str, folder: Path) -> Iterator[tuple[object, dict[str, Path]]]:
    """A fresh tab on `url` and a dict whose "answers" is, once the body has finished the
    page, the answer file it downloaded into `folder`; asserts the page raised no error."""
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(url)
    saved: dict[str, Path] = {}
    try:
        yield page, saved
        page.wait_for_selector("#done:not([hidden])")
        with page.expect_download() as download:
            page.click("#download")
        saved["answers"] = folder / download.value.suggested_filename
        download.value.save_as(saved["answers"])
    finally:
        context.close()
    assert errors == []


def review(browser, url: str, reviewer: str, accept: Callable[[int, int], bool],
           folder: Path) -> tuple[Path, list[dict]]:
    """Review every image: tick the candidates for which accept(image_id, class) holds;
    go on by Enter on odd items and by the Next button on even ones. Returns the
    downloaded answer file and what was shown and ticked."""
    seen = []
    with tab(browser, url, folder) as (page, saved):
        total = int(page.get_attribute(".progress", "aria-valuemax"))
        page.fill("#reviewer", reviewer)
        page.click("#start")
        for item in range(total):
            page.wait_for_function(
                "n => document.querySelector('.progress').getAttribute('aria-valuenow') == n"
                " && !document.getElementById('next').disabled", arg=item)
            image = int(page.get_attribute("#image", "src").rsplit("/", 1)[-1].split(".")[0])
            boxes = page.query_selector_all("#candidates input[type=checkbox]")
            ticked = []
            for box in boxes:
                candidate = int(box.get_attribute("data-candidate"))
                if accept(image, candidate):
                    box.check()
                    ticked.append(candidate)
            seen.append({"image_id": image, "ticked": ticked, "candidates":
                         [int(b.get_attribute("data-candidate")) for b in boxes]})
            if item % 2:
                page.keyboard.press("Enter")
            else:
                page.click("#next")
    return saved["answers"], seen
