"""Re-save a legacy inference model (.pdmodel) as paddle 3's PIR format (inference.json), as paddle 3 exports do.

    python -m testkit.pir_export SOURCE_FOLDER TARGET_FOLDER
"""

import os
import sys

import paddle


def export(source_dir: str, target_dir: str) -> None:
    paddle.enable_static()
    with paddle.pir_utils.OldIrGuard():
        executor = paddle.static.Executor(paddle.CPUPlace())
        program, _, _ = paddle.static.load_inference_model(os.path.join(source_dir, "inference"), executor)
    pir_program = paddle.pir.translate_to_pir(program.desc)
    ops = pir_program.global_block().ops
    feeds = [op.result(0) for op in ops if op.name() in ("pd_op.feed", "pd_op.data")]
    fetch_ops = [op for op in ops if op.name() == "pd_op.fetch"]
    fetches = [op.operand_source(0) for op in fetch_ops]
    for op in fetch_ops:  # save_inference_model adds its own
        pir_program.global_block().remove_op(op)
    os.makedirs(target_dir, exist_ok=True)
    prefix = os.path.join(target_dir, "inference")
    paddle.static.save_inference_model(prefix, feeds, fetches, executor, program=pir_program)


if __name__ == "__main__":
    export(sys.argv[1], sys.argv[2])
