"""What structure_system changes from the engine's defaults (ocr_engine/options.py, where every option and its
default is written), for this module alone; config.json's init_args override both. Nothing differs today: add a
key here only when this module must run differently from the others, e.g. {"layout_score_threshold": 0.4}."""


def read_params() -> dict:
    """Return the options this module sets differently from ocr_engine.options.DEFAULTS."""
    return {}
