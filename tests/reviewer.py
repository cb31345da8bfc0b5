"""A scripted reviewer of the error-review page in Debian's headless Chromium (driven by
Playwright, as tests/test_experiment_browser.py drives the experiment page)."""

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


def review(browser, url: str, reviewer: str, accept: Callable[[int, int], bool],
           folder: Path) -> tuple[Path, list[dict]]:
    """Review every image: tick the candidates for which accept(image_id, class) holds;
    go on by Enter on odd items and by the Next button on even ones. Returns the
    downloaded answer file and what was shown and ticked."""
    context = browser.new_context(accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    errors: list[str] = []
    tab.on("pageerror", lambda err: errors.append(str(err)))
    tab.goto(url)
    total = int(tab.get_attribute(".progress", "aria-valuemax"))
    tab.fill("#reviewer", reviewer)
    tab.click("#start")
    seen = []
    for item in range(total):
        tab.wait_for_function(
            "n => document.querySelector('.progress').getAttribute('aria-valuenow') == n"
            " && !document.getElementById('next').disabled", arg=item)
        image = int(tab.get_attribute("#image", "src").rsplit("/", 1)[-1].split(".")[0])
        boxes = tab.query_selector_all("#candidates input[type=checkbox]")
        ticked = []
        for box in boxes:
            candidate = int(box.get_attribute("data-candidate"))
            if accept(image, candidate):
                box.check()
                ticked.append(candidate)
        seen.append({"image_id": image, "ticked": ticked,
                     "candidates": [int(b.get_attribute("data-candidate")) for b in boxes]})
        if item % 2:
            tab.keyboard.press("Enter")
        else:
            tab.click("#next")
    tab.wait_for_selector("#done:not([hidden])")
    with tab.expect_download() as download:
        tab.click("#download")
    target = folder / download.value.suggested_filename
    download.value.save_as(target)
    context.close()
    assert errors == []
    return target, seen
