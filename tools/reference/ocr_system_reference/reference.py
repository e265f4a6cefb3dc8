"""Build paddleocr 2.10's TextSystem as PaddleOCR's hubserving ocr_system module does, on the models ocr_engine
serves."""

from ocr_engine.runtime import ANGLE_CLASSIFIER, resolve_model_dir
from ocr_engine.stages.recognition import character_list_file

# What PaddleOCR's deploy/hubserving/ocr_system/params.py changes from tools/infer/utility.py's defaults.
UPSTREAM_HUBSERVING_PARAMS = {
    "det_limit_side_len": 960,
    "det_limit_type": "max",
    "det_db_thresh": 0.3,
    "det_db_box_thresh": 0.5,
    "det_db_unclip_ratio": 1.6,
    "use_dilation": False,
    "det_db_score_mode": "fast",
    "rec_image_shape": "3, 48, 320",
    "rec_batch_num": 6,
    "use_space_char": True,
    "use_angle_cls": True,
    "cls_image_shape": "3, 48, 192",
    "label_list": ["0", "180"],
    "cls_batch_num": 30,
    "cls_thresh": 0.9,
    "drop_score": 0.5,
}


def build_text_system(enable_mkldnn: bool = False, cpu_threads=None):
    """The upstream pipeline as its hubserving module builds it: utility.py's defaults (cpu_threads 10, which
    PaddleOCR applies only with oneDNN), the hubserving params, ir_optim on, and the bundled models."""
    import paddleocr  # noqa: F401  (puts paddleocr's `tools` and `ppocr` packages on sys.path)
    from tools.infer.predict_system import TextSystem
    from tools.infer.utility import init_args

    args = init_args().parse_args([])
    for key, value in UPSTREAM_HUBSERVING_PARAMS.items():
        setattr(args, key, value)
    # The upstream pipeline is compared on the generation it was built for.
    args.det_model_dir = resolve_model_dir("PP-OCRv4_mobile_det")
    args.rec_model_dir = resolve_model_dir("PP-OCRv4_mobile_rec")
    args.cls_model_dir = resolve_model_dir(ANGLE_CLASSIFIER)
    args.rec_char_dict_path = character_list_file(None, "PP-OCRv4_mobile_rec")
    args.use_gpu = False
    args.ir_optim = True
    args.enable_mkldnn = enable_mkldnn
    if cpu_threads:
        args.cpu_threads = int(cpu_threads)
    return TextSystem(args)
