"""The web demo at PaddleHub's /gradio/<module>, in headless Chromium (Debian's package, driven by Playwright), as a
browser on another host sees it: every request to a port other than the server's is aborted, so the page works
through the server's port alone or not at all."""

import os
import re
import signal
from urllib.parse import urlsplit

import pytest
from conftest import assert_ok

from testkit.inputs import encode_file
from testkit.server import REPO, HubServer, get_text, session_pids, shipped_config

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
EXAMPLES = os.path.join(REPO, "ocr_engine", "serving", "demo", "examples")
# Where docs/api.md's screenshot comes from: WEB_DEMO_SCREENSHOT=docs/web-demo.png make test (or pytest this file).
SCREENSHOT = os.environ.get("WEB_DEMO_SCREENSHOT")

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # the test extra installs it
    sync_playwright = None

needs_browser = pytest.mark.skipif(
    sync_playwright is None or not os.path.exists(CHROMIUM),
    reason="needs Debian's chromium (make installs it as root with apt) and playwright (the test extra)")


@pytest.fixture(scope="module")
def browser():
    if sync_playwright is None:
        pytest.skip("playwright is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield launched
        launched.close()


def open_demo(browser, server, module="ocr_system", credentials=None):
    """A page on /gradio/<module> whose requests anywhere but the server's port are aborted. Returns it with the
    list of aborted requests to this machine on another port (the demo process's own port, say), which a remote
    browser could not reach; requests to other hosts (gradio's page names a CDN script) are aborted too, so the page
    must work offline. ``credentials`` ({"username", "password"}) answers the server's HTTP Basic question, as a
    person would in the browser's prompt."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, http_credentials=credentials)
    page = context.new_page()
    elsewhere = []

    def only_the_server(route):
        url = urlsplit(route.request.url)
        if url.scheme in ("data", "blob") or (url.hostname == "127.0.0.1" and url.port == server.port):
            route.continue_()
            return
        if url.hostname in ("127.0.0.1", "localhost", "0.0.0.0", "::1"):
            elsewhere.append(route.request.url)
        route.abort()

    page.route("**/*", only_the_server)
    page.goto(server.url + "/gradio/" + module, timeout=120_000)
    page.wait_for_selector("#read", timeout=60_000)
    return page, elsewhere


def read_file(page, path):
    page.set_input_files("#upload input[type=file]", path)
    page.wait_for_timeout(500)  # the upload finishes before Read is pressed
    page.click("#read")


def wait_for_pictures(page, count):
    """Wait until the drawn-image panel shows at least ``count`` pictures, each loaded with pixels (the table can
    be filled a moment before the browser has fetched them)."""
    page.wait_for_function(
        "n => { const images = [...document.querySelectorAll('#drawn img')];"
        " return images.length >= n && images.every(img => img.complete && img.naturalWidth > 0); }",
        arg=count, timeout=60_000)


def table_texts(page):
    return [cell.strip() for cell in page.locator("#table td").all_inner_texts()]


@needs_browser
def test_a_photo_is_read_with_boxes_table_and_json(browser, shipped_server):
    page, elsewhere = open_demo(browser, shipped_server)
    read_file(page, os.path.join(EXAMPLES, "french.jpg"))
    page.wait_for_selector("#table td:has-text('Palais du LOUVRE')", timeout=120_000)
    texts = table_texts(page)
    assert "du PALAIS-ROYAL" in texts and "1" in texts, texts
    wait_for_pictures(page, 1)
    # The JSON shown is the answer /predict/ocr_system gives for the same file.
    shown = page.locator("#answer").inner_text()
    expected = assert_ok(shipped_server.predict("ocr_system", [encode_file(os.path.join(EXAMPLES, "french.jpg"))]))
    assert '"status": "000"' in shown and expected[0][0]["text"] in shown
    assert re.search(r"\d+ line\(s\) found", page.locator("#message").inner_text())
    if SCREENSHOT:
        save_screenshot(page, SCREENSHOT)
    assert elsewhere == [], "the page fetched from another port: %s" % elsewhere[:5]
    page.close()


@needs_browser
def test_a_broken_file_shows_the_servers_sentence(browser, shipped_server, tmp_path):
    page, elsewhere = open_demo(browser, shipped_server)
    with open(os.path.join(EXAMPLES, "french.jpg"), "rb") as handle:
        data = handle.read()
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(data[: len(data) // 3])
    read_file(page, str(broken))
    message = page.locator("#message")
    message.locator("text=Not read").wait_for(timeout=60_000)
    text = message.inner_text()
    assert "image 1 of 1: not a decodable image (JPEG header, truncated after" in text, text
    assert "Traceback" not in page.content() and "Error" not in text
    pdf = tmp_path / "letter.pdf"  # a PDF cut short
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")
    page.reload()  # a fresh page: the file box holds the last file until cleared
    page.wait_for_selector("#read", timeout=60_000)
    read_file(page, str(pdf))
    message.locator("text=PDF").wait_for(timeout=60_000)
    assert "image 1 of 1: is a PDF document that cannot be read (truncated, corrupt or without pages" in \
        message.inner_text()
    assert elsewhere == []
    page.close()


@needs_browser
def test_a_pdf_shows_each_page_with_its_boxes(browser, shipped_server, tmp_path):
    from testkit.documents import photos_pdf

    pdf = tmp_path / "signs.pdf"
    pdf.write_bytes(photos_pdf([os.path.join(EXAMPLES, "french.jpg"), os.path.join(EXAMPLES, "chinese.jpg")]))
    page, elsewhere = open_demo(browser, shipped_server)
    read_file(page, str(pdf))
    page.wait_for_selector("#table td:has-text('愚园路')", timeout=120_000)
    texts = table_texts(page)
    assert "page" in page.locator("#table th").all_inner_texts()[0] and "Palais du LOUVRE" in texts, texts
    wait_for_pictures(page, 2)
    assert elsewhere == []
    page.close()


@needs_browser
def test_the_recogniser_page_shows_its_reading(browser, shipped_server):
    page, elsewhere = open_demo(browser, shipped_server, "ocr_rec")
    read_file(page, os.path.join(EXAMPLES, "chinese_line.png"))
    page.wait_for_selector("#table td:has-text('衡山路')", timeout=120_000)
    texts = table_texts(page)
    assert texts[:2] == ["1", "上海市徐汇区衡山路12号"], texts
    assert elsewhere == []
    page.close()


@needs_browser
def test_the_demo_works_with_gunicorn_workers(browser, hub_home, tmp_path):
    with HubServer.with_config(shipped_config("cpu_multiprocess.json"), hub_home, str(tmp_path)) as server:
        page, elsewhere = open_demo(browser, server)
        for _ in range(2):  # the page's requests land on both workers; the demo answers from either
            read_file(page, os.path.join(EXAMPLES, "chinese.jpg"))
            page.wait_for_selector("#table td:has-text('愚园路')", timeout=120_000)
            page.reload()
            page.wait_for_selector("#read", timeout=60_000)
        assert elsewhere == []
        # One demo process for the whole server (master, 2 workers, the demo), started by one worker, which reads
        # every image the page sends.
        assert len(server.pids()) == 4, server.pids()
        readers = set(re.findall(r"ocr_system: ok, 1 image\(s\).* worker (\d+)", server.log()))
        assert len(readers) == 1, readers
        page.close()
        # SIGTERM to the master stops the server, the demo's process with it, rather than leaving the worker that
        # started it waiting on it until gunicorn's graceful timeout (420 s).
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=60) == 0
        assert session_pids(server.process.pid) == []


def test_a_gradio_that_cannot_load_is_a_sentence_not_a_hung_server(hub_home, tmp_path, monkeypatch):
    # A gradio that fails to import, as 5.1.0 did beside pydantic 2.14: PaddleHub waits for the page's process to
    # answer, holding the one-process server's only thread, so that process must answer even then.
    shim = tmp_path / "shim" / "gradio"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text('raise ImportError("cannot import name Undefined from pydantic")\n')
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "shim"))
    with HubServer.with_config(shipped_config("cpu.json"), hub_home, str(tmp_path)) as server:
        code, text = get_text(server.url + "/gradio/ocr_system", timeout=60)
        assert code == 503, text
        assert text == ("The web demo could not start: gradio failed to import (cannot import name Undefined from "
                        "pydantic). POST /predict/ocr_system works without it.\n")
        assert assert_ok(server.predict("ocr_system", [encode_file(os.path.join(EXAMPLES, "chinese.jpg"))]))


def save_screenshot(page, path):
    """A small PNG of the page for docs/api.md: 1280 px wide, 256 colours."""
    from PIL import Image

    raw = os.path.join(os.path.dirname(path) or ".", ".web-demo-full.png")
    page.screenshot(path=raw, full_page=False)
    Image.open(raw).convert("RGB").quantize(256).save(path, optimize=True)
    os.remove(raw)
