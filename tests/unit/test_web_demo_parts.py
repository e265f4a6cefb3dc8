"""The web demo's parts that need no server: the page's table and filter, the drawing, and the routes in front of
PaddleHub's app (against a small WSGI app and a real HTTP server on loopback standing in for the demo process)."""

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from ocr_engine.serving.demo import launcher, page, routes
from ocr_view.drawing import draw_result
from testkit import wsgi

SYSTEM = [{"text": "Palais du LOUVRE", "confidence": 0.93, "text_region": [[10, 10], [90, 10], [90, 30], [10, 30]]},
          {"text": "faint", "confidence": 0.55, "text_region": [[10, 40], [60, 40], [60, 55], [10, 55]]}]


def test_table_rows_are_numbered_per_module_and_per_page():
    assert page.table("ocr_system", SYSTEM)["data"] == [[1, "Palais du LOUVRE", 0.93], [2, "faint", 0.55]]
    boxes = [{"text_region": line["text_region"]} for line in SYSTEM]
    assert page.table("ocr_det", boxes)["data"][0] == [1, "(10, 10) (90, 10) (90, 30) (10, 30)"]
    assert page.table("ocr_cls", [{"angle": "180", "confidence": 0.99}])["data"] == [[1, "180", 0.99]]
    assert page.table("ocr_rec", [{"text": "上海", "confidence": 0.5}])["data"] == [[1, "上海", 0.5]]
    paged = page.table("ocr_system", [dict(SYSTEM[0], page=1), dict(SYSTEM[1], page=2), dict(SYSTEM[0], page=2)])
    assert paged["headers"] == ["page", "#", "text", "confidence"]
    assert [row[:2] for row in paged["data"]] == [[1, 1], [2, 1], [2, 2]]


def test_the_confidence_slider_only_hides_lines():
    assert page.shown(SYSTEM, 0.6) == SYSTEM[:1] and page.shown(SYSTEM, 0.0) == SYSTEM
    assert page.summary("ocr_system", SYSTEM[:1], 1) == "1 line(s) found. 1 more below the confidence chosen."
    assert page.summary("ocr_det", [], 0) == "No text found."


def test_a_refused_image_shows_the_servers_sentence_and_its_json(tmp_path):
    path = tmp_path / "note.pdf"
    path.write_bytes(b"%PDF-1.7")
    answer = {"status": "101", "msg": "image 1 of 1: is a PDF document, not an image", "results": ""}
    message, drawn, rows, shown_json = page.read("ocr_rec", lambda raw: answer, None, None, str(path), 0.0)
    assert message == "**Not read:** image 1 of 1: is a PDF document, not an image"
    assert drawn == [] and rows["data"] == [] and json.loads(shown_json) == answer


def test_a_read_image_is_drawn_with_its_table(tmp_path):
    path = tmp_path / "sign.png"
    Image.new("RGB", (100, 60), "white").save(path)
    answer = {"status": "000", "msg": "", "results": [SYSTEM]}
    message, drawn, rows, _ = page.read("ocr_system", lambda raw: answer, None, 200, str(path), 0.6)
    assert message == "1 line(s) found. 1 more below the confidence chosen."
    assert [(image.size, title) for image, title in drawn] == [((200, 60), "")]
    assert rows["data"] == [[1, "Palais du LOUVRE", 0.93]]


def test_a_pdf_shows_each_page_drawn_at_the_servers_resolution(tmp_path):
    from testkit.documents import blank_pages_pdf

    path = tmp_path / "two.pdf"
    path.write_bytes(blank_pages_pdf(2, width=72, height=36))  # 1 x 0.5 inch
    boxes = [dict(SYSTEM[0], page=2)]
    answer = {"status": "000", "msg": "", "results": [boxes]}
    message, drawn, rows, _ = page.read("ocr_system", lambda raw: answer, None, 200, str(path), 0.0)
    assert [(image.size, title) for image, title in drawn] == [((200, 100), "page 1"), ((400, 100), "page 2")]
    assert rows["data"] == [[2, 1, "Palais du LOUVRE", 0.93]] and message == "1 line(s) found."


def test_the_drawing_numbers_boxes_and_leaves_readings_alone():
    image = Image.new("RGB", (100, 60), "white")
    drawn = draw_result(image, SYSTEM, None)
    assert drawn.size == (200, 60) and drawn.getpixel((0, 0)) == (255, 255, 255)
    assert drawn.crop((10, 0, 40, 12)).getcolors(1000) != [(30 * 12, (255, 255, 255))]  # the number's tag
    assert draw_result(image, [{"text": "x", "confidence": 1.0}], None) is None


class Demo(BaseHTTPRequestHandler):
    """Stands in for the demo process: answers with what it was asked, in two chunks."""

    def do_GET(self):  # noqa: N802
        body = json.dumps({"path": self.path, "headers": dict(self.headers)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Access-Control-Allow-Origin", "http://localhost:7860")  # gradio's own, for localhost
        self.send_header("Access-Control-Allow-Credentials", "true")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for part in (body[:10], body[10:]):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        self.wfile.write(b"0\r\n\r\n")

    def log_message(self, *args):
        pass


@pytest.fixture()
def demo_process():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Demo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with open(launcher.registry_path("ocr_system"), "w") as handle:
        handle.write("%d %d demo-token" % (server.server_address[1], os.getpid()))
    yield server.server_address[1]
    launcher.forget_demo("ocr_system")
    server.shutdown()


def call(app, path, query="", host="ocr.example.com:8866", headers=None):
    return wsgi.call(app, path, query=query, headers=dict({"Host": host, "Accept": "text/html"}, **(headers or {})))


def paddlehub_app(environ, start_response):
    start_response("200 OK", [])
    return [b"paddlehub " + environ["PATH_INFO"].encode()]


@pytest.fixture()
def wrapped():
    return routes.GradioRoutes(paddlehub_app, {"ocr_system"})


def test_routes_leave_everything_else_to_paddlehub(wrapped):
    launcher.forget_demo("ocr_system")
    assert call(wrapped, "/predict/ocr_system")[2] == b"paddlehub /predict/ocr_system"
    assert call(wrapped, "/gradio/other_module/app")[2] == b"paddlehub /gradio/other_module/app"
    # No demo yet: PaddleHub's own route starts one (create_gradio_app); its pages send the browser there.
    assert call(wrapped, "/gradio/ocr_system")[2] == b"paddlehub /gradio/ocr_system"
    assert call(wrapped, "/gradio/ocr_system/")[2] == b"paddlehub /gradio/ocr_system"
    status, headers, _ = call(wrapped, "/gradio/ocr_system/gradio_api/info")
    assert status == "302 Found" and headers["Location"] == "/gradio/ocr_system"


def test_routes_forward_to_the_running_demo_with_the_browsers_host(wrapped, demo_process):
    # The page lives at /gradio/<module>/ (gradio names its files relative to it), PaddleHub's /app sent there.
    for path in ("/gradio/ocr_system", "/gradio/ocr_system/app"):
        status, headers, _ = call(wrapped, path)
        assert status == "302 Found" and headers["Location"] == "/gradio/ocr_system/"
    status, headers, body = call(wrapped, "/gradio/ocr_system/")
    asked = json.loads(body)
    assert status == "200 OK" and asked["path"] == "/" and "Transfer-Encoding" not in headers
    assert asked["headers"]["X-Forwarded-Host"] == "ocr.example.com:8866"
    assert asked["headers"]["X-Forwarded-Proto"] == "http"
    assert asked["headers"]["Host"] == "127.0.0.1:%d" % demo_process and asked["headers"]["Accept"] == "text/html"
    # The page's process answers only with its token, which the route adds; the server's CORS headers, not gradio's.
    assert asked["headers"]["X-Ocr-Demo-Token"] == "demo-token"
    assert not any(name.lower().startswith("access-control-") for name in headers), headers
    asked = json.loads(call(wrapped, "/gradio/ocr_system/gradio_api/queue/data", "session_hash=x")[2])
    assert asked["path"] == "/gradio_api/queue/data?session_hash=x"


def test_a_browser_cannot_send_the_token_or_the_client_itself(wrapped, demo_process):
    from ocr_engine.serving.metrics import CLIENT

    token = CLIENT.set("alpha")  # the key the guard accepted
    try:
        asked = json.loads(call(wrapped, "/gradio/ocr_system/", headers={
            "X-Ocr-Demo-Token": "guessed", "X-Ocr-Client": "someone-else"})[2])
    finally:
        CLIENT.reset(token)
    assert asked["headers"]["X-Ocr-Demo-Token"] == "demo-token" and asked["headers"]["X-Ocr-Client"] == "alpha"


def test_demo_paths_that_may_stream_are_told_apart():
    assert routes.is_forwarded("/gradio/ocr_system/gradio_api/heartbeat/x")
    assert routes.is_forwarded("/gradio/ocr_system/app")
    assert not routes.is_forwarded("/gradio/ocr_system") and not routes.is_forwarded("/gradio/ocr_system/")
    assert not routes.is_forwarded("/predict/ocr_system") and not routes.is_forwarded("/gradio")


def test_a_demo_that_went_away_is_started_again(wrapped, demo_process, monkeypatch):
    # Nothing listens on port 1.
    monkeypatch.setattr(routes, "running_demo", lambda module: launcher.RunningDemo(1, os.getpid(), "t"))
    status, headers, _ = call(wrapped, "/gradio/ocr_system/")
    assert status == "302 Found" and headers["Location"] == "/gradio/ocr_system"
    assert launcher.running_demo("ocr_system") is None


def test_without_gradio_the_page_says_so(wrapped, monkeypatch):
    monkeypatch.setattr(routes.importlib.util, "find_spec", lambda name: None)
    status, _, body = call(wrapped, "/gradio/ocr_system")
    assert status == "503 Service Unavailable" and body.startswith(b"The web demo needs gradio")
