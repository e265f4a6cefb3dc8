"""Helpers shared by the tests (tests/) and the developer tools (tools/): never used by the service itself.

- ``server``: `hub install` into a private HUB_HOME, `hub serving start` on a free port, requests, memory.
- ``answers``: what ``/predict/<module>`` answers, read one way (``assert_ok``, ``assert_refused``, ``read_texts``).
- ``rendering``: fonts from fontconfig, and images of known text.
- ``inputs``: what clients send - encodings, every odd-but-valid file layout, requests that must be refused.
- ``documents``: PDF files made for the tests (scans, vector text, odd pages); ``pages``: document pages rendered
  from HTML by chromium, with their text and tables.
- ``misbehaving``: clients that misbehave at the HTTP level (stalled, slow, oversize, trickling, keyless).
- ``scoring``: character and word F1, reading order, against labels.
- ``mcp_client``: the official PaddleOCR MCP server driven against a server of ours.
- ``pir_export``: re-save a bundled model as a paddle 3 (PIR) export, as a user's own model would come.
- ``scripts``: the repository's scripts (tools/, deploy/) loaded as modules; ``wsgi``: WSGI apps called directly.
"""
