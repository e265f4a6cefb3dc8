"""Fixtures that run the real thing: `hub install` into a temporary HUB_HOME, `hub serving start` on a free port.
The helpers themselves live in testkit/, shared with tools/."""

import os

import pytest

from ocr_engine import merge_params
from ocr_engine.runtime.models import pinned_generation, stage_model_name
from testkit.answers import assert_ok, read_texts  # noqa: F401 (the tests import them from here too)
from testkit.inputs import encode
from testkit.rendering import ENGLISH_LINES, latin_font, render_lines
from testkit.server import MODULES, REPO, HubServer, free_port, install_modules, shipped_config


def pytest_addoption(parser):
    parser.addoption("--shared-server-only", action="store_true",
                     help="run only the tests that need nothing but the shared `server` fixture: one server starts "
                          "(make test-fast)")


def pytest_collection_modifyitems(config, items):
    """With --shared-server-only, leave out every test that starts a server of its own (it takes ``hub_home`` or
    another server fixture) or needs none."""
    if not config.getoption("--shared-server-only"):
        return
    kept, left_out = [], []
    for item in items:
        names = set(item._fixtureinfo.argnames) if hasattr(item, "_fixtureinfo") else set()
        others = {name for name in names if name.endswith("server") and name != "server"} | (names & {"hub_home"})
        (kept if "server" in names and not others else left_out).append(item)
    items[:] = kept
    config.hook.pytest_deselected(items=left_out)


def served_model(stage: str) -> str:
    """The bundled model the shared ``server`` fixture runs for ``stage`` ('det', 'rec', 'cls'): the default's, or
    OCR_VERSION's generation's when that is set."""
    version = os.environ.get("OCR_VERSION")
    return stage_model_name(merge_params(pinned_generation(version) if version else {}), stage)


def reads_accents() -> bool:
    """Whether the shared ``server`` reads accents: PP-OCRv6's recogniser does, PP-OCRv4's drops them."""
    return served_model("rec") == "PP-OCRv6_small_rec"


def openvino_is_chosen() -> bool:
    """Whether ``backend: auto`` should put CPU models on OpenVINO here: an x86-64 CPU with openvino installed."""
    import importlib.util
    import platform

    return platform.machine().lower() in ("x86_64", "amd64") and importlib.util.find_spec("openvino") is not None


def cpu_flags() -> set:
    """This CPU's feature flags from /proc/cpuinfo (read here, apart from the engine's own rule); empty elsewhere."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            return set(next((line for line in handle if line.startswith("flags")), "").split())
    except OSError:
        return set()


def cpu_has_bf16_units() -> bool:
    """Whether this CPU lists AVX512_BF16 or AMX bf16 among its flags."""
    return bool({"avx512_bf16", "amx_bf16"} & cpu_flags())


# The default models INT8 was chosen for (docs/models.md, INT8): run in INT8 where the CPU has VNNI or AMX-INT8
# units, from the INT8 file `make install` prepared.
INT8_MODELS = {"PP-OCRv6_small_rec"}


def runs_in_int8(model: str) -> bool:
    """Whether ``precision: auto`` should run bundled ``model`` in INT8 here (read apart from the engine's rule)."""
    return model in INT8_MODELS and openvino_is_chosen() and cpu_has_int8_units()


def cpu_has_int8_units() -> bool:
    """Whether this CPU lists VNNI (AVX-512 or AVX) or AMX INT8 among its flags."""
    return bool({"avx512_vnni", "avx_vnni", "amx_int8"} & cpu_flags())


@pytest.fixture(scope="session")
def hub_home(tmp_path_factory) -> str:
    """A HUB_HOME holding every module of hubserving/, installed with the real `hub install`."""
    home = str(tmp_path_factory.mktemp("hub_home"))
    install_modules(home)
    for name in MODULES:
        assert os.path.isfile(os.path.join(home, "modules", name, "module.py")), name
    return home


@pytest.fixture(scope="session")
def server(hub_home, tmp_path_factory):
    """One process serving all seven modules, started with `hub serving start -m` (no config file). With
    OCR_VERSION set (e.g. OCR_VERSION=PP-OCRv6), the same modules on that model generation, from a config."""
    workdir = str(tmp_path_factory.mktemp("serve_m"))
    version = os.environ.get("OCR_VERSION")
    if version:
        config = shipped_config("cpu.json", {name: pinned_generation(version) for name in MODULES})
        started = HubServer.with_config(config, hub_home, workdir)
    else:
        started = HubServer.with_modules(MODULES, hub_home, workdir)
    with started as srv:
        yield srv


@pytest.fixture(scope="session")
def shipped_server(hub_home, tmp_path_factory):
    """configs/cpu.json as shipped, all seven modules, started with `hub serving start -c`: what `make serve` runs.
    Shared by every test that needs it unchanged, whatever OCR_VERSION says."""
    with HubServer.with_config(shipped_config("cpu.json"), hub_home, str(tmp_path_factory.mktemp("cpu"))) as srv:
        yield srv


@pytest.fixture(scope="session")
def paddle_server(hub_home, tmp_path_factory):
    """configs/cpu_paddle.json as shipped: every model on Paddle Inference with oneDNN."""
    workdir = str(tmp_path_factory.mktemp("cpu_paddle"))
    with HubServer.with_config(shipped_config("cpu_paddle.json"), hub_home, workdir) as srv:
        yield srv


@pytest.fixture(scope="session")
def multiprocess_server(hub_home, tmp_path_factory):
    """configs/cpu_multiprocess.json: gunicorn workers with oneDNN, started with `hub serving start -c`."""
    workdir = str(tmp_path_factory.mktemp("serve_mp"))
    with HubServer.with_config(shipped_config("cpu_multiprocess.json"), hub_home, workdir) as srv:
        yield srv


@pytest.fixture(scope="session")
def tight_server(hub_home, tmp_path_factory):
    """(server, its status port): configs/cpu.json with ocr_system held to a 1 s request_timeout, its drawing and
    angle classifier off in init_args, and a status port. Shared by the tests of what such limits answer."""
    metrics_port = free_port()
    config = shipped_config("cpu.json", {"ocr_system": {
        "request_timeout": 1, "metrics_port": metrics_port, "visualize": False, "use_angle_cls": False}})
    with HubServer.with_config(config, hub_home, str(tmp_path_factory.mktemp("tight"))) as srv:
        srv.wait_status_ready(metrics_port)
        yield srv, metrics_port


def read_image(server, image, module: str = "ocr_system") -> list:
    """The texts ``module`` reads in one BGR image, without spaces."""
    return read_texts(server.predict(module, [encode(image)]))[0]


@pytest.fixture(scope="session")
def v6_cache(tmp_path_factory) -> str:
    """Where this test session keeps the PP-OCRv6 models converted for Paddle (model_cache_dir): converted once, by
    the first test that needs them."""
    return str(tmp_path_factory.mktemp("v6_models"))


@pytest.fixture(scope="session")
def english():
    """Three rendered English lines: (BGR image, where each line was drawn)."""
    return render_lines(ENGLISH_LINES, latin_font())


@pytest.fixture(scope="session")
def data_dir() -> str:
    return os.path.join(REPO, "tests", "data")
