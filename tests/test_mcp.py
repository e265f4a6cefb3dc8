"""The official PaddleOCR MCP server, paddleocr-mcp 0.8.5 in self-hosted mode, pointed at this server: what an LLM
agent gets back through it (issue 28). It runs from a venv of its own, which ``make test`` builds
(``make mcp-client``), as a subprocess of the official ``mcp`` client (testkit/mcp_client.py)."""

import json
import os
import subprocess

import pytest

from testkit.documents import photos_pdf
from testkit.server import REPO

MCP_PYTHON = os.path.join(REPO, os.environ.get("MCP_VENV", ".venv-mcp"), "bin", "python")
pytestmark = pytest.mark.skipif(not os.path.exists(MCP_PYTHON),
                                reason="no paddleocr-mcp venv: make mcp-client builds it (make test does)")


def call_ocr(server, path: str, *flags: str) -> dict:
    """The tool's answer for the file at ``path`` (``ocr``, or with ``--model PP-StructureV3`` the
    ``pp_structurev3`` tool), as testkit/mcp_client.py prints it."""
    done = subprocess.run([MCP_PYTHON, os.path.join(REPO, "testkit", "mcp_client.py"), server.url, path] + list(flags),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_mcp_tool_reads_a_photo(server, data_dir):
    answer = call_ocr(server, os.path.join(data_dir, "french.jpg"))
    assert answer["tools"] == ["ocr"] and not answer["is_error"], answer
    lines = answer["texts"][0].split("\n")
    assert "Palais du LOUVRE" in lines and "du PALAIS-ROYAL" in lines and "Musée du LOUVRE" in lines, lines


def test_the_mcp_tool_reads_a_pdf_with_boxes(server, data_dir, tmp_path):
    path = str(tmp_path / "two photos.pdf")
    with open(path, "wb") as handle:
        handle.write(photos_pdf([os.path.join(data_dir, "french.jpg"), os.path.join(data_dir, "chinese.jpg")]))
    answer = call_ocr(server, path, "--file-type", "pdf", "--output-mode", "detailed")
    assert not answer["is_error"], answer
    detailed = json.loads(answer["texts"][0])
    texts = [line["text"] for line in detailed["text_lines"]]
    assert "Palais du LOUVRE" in texts and "愚园路" in texts, texts
    assert all(len(line["bbox"]) == 4 and line["bbox"][0] < line["bbox"][2] for line in detailed["text_lines"])


def test_a_refusal_fails_the_tool_and_the_server_says_why(server, tmp_path):
    path = str(tmp_path / "not really.png")
    with open(path, "wb") as handle:
        handle.write(b"not an image at all")
    answer = call_ocr(server, path)
    assert answer["is_error"], answer
    assert "/ocr: refused" in server.log() and "not a decodable image (no known image header, 19 bytes)" in server.log()


def test_the_pp_structurev3_tool_gets_a_pages_markdown(server, tmp_path):
    import cv2

    from testkit.pages import order_similarity, render_html, two_column_document, two_column_words, words

    path = str(tmp_path / "page.png")
    cv2.imwrite(path, render_html([two_column_document()])[0])
    answer = call_ocr(server, path, "--model", "PP-StructureV3")
    assert answer["tools"] == ["pp_structurev3"] and not answer["is_error"], answer
    markdown = "\n".join(answer["texts"])
    assert markdown.startswith("# Field Notes on River Birds"), markdown
    assert order_similarity(words(markdown), two_column_words()) >= 0.9, markdown
    assert "/layout-parsing: ok" in server.log()
