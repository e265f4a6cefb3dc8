"""Helpers shared by the tests (tests/) and the developer tools (tools/): never used by the service itself.

- ``server``: `hub install` into a private HUB_HOME, `hub serving start` on a free port, requests, memory.
- ``rendering``: fonts from fontconfig, and images of known text.
- ``inputs``: what clients send - encodings, every odd-but-valid file layout, requests that must be refused.
- ``pir_export``: re-save a bundled model as a paddle 3 (PIR) export, as a user's own model would come.
"""
