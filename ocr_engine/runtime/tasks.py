"""The model families the engine serves, by task: each one's names, written once.

A task is what a model does (PaddleX's task names). Each carries the short name PaddleOCR's options and the
bundled generations use (``det``), the stage its time is logged and counted under (``detect``), the option that
points at a user's exported model (``det_model_dir``) and the one that picks a bundled model by name (None where
one model serves). Adding a family (layout, table structure, document orientation) is one entry here, its models
in ``models.MODELS``, and a stage.
"""

from dataclasses import dataclass
from typing import Dict, Optional, Union


@dataclass(frozen=True)
class Task:
    """One model family and the names that follow from it."""

    name: str
    short: str
    stage: str
    model_dir_option: str
    model_name_option: Optional[str] = None
    labelled: bool = False  # its outputs index a list (characters, classes): models.bundled_labels


TEXT_DETECTION = Task("text_detection", "det", "detect", "det_model_dir", "text_detection_model_name")
TEXTLINE_ORIENTATION = Task("textline_orientation", "cls", "classify", "cls_model_dir")
TEXT_RECOGNITION = Task("text_recognition", "rec", "recognise", "rec_model_dir", "text_recognition_model_name",
                        labelled=True)
# The document structure family (structure_* modules, /layout-parsing, /table-recognition).
DOC_ORIENTATION = Task("doc_img_orientation_classification", "doc_ori", "orient", "doc_orientation_model_dir",
                       labelled=True)
LAYOUT_DETECTION = Task("layout_detection", "layout", "layout", "layout_model_dir", labelled=True)
TABLE_STRUCTURE = Task("table_structure_recognition", "table", "table", "table_model_dir", labelled=True)
# By short name, in the order a request goes through them.
TASKS: Dict[str, Task] = {task.short: task for task in (
    DOC_ORIENTATION, LAYOUT_DETECTION, TEXT_DETECTION, TEXTLINE_ORIENTATION, TEXT_RECOGNITION, TABLE_STRUCTURE)}


def task_of(task: Union[Task, str]) -> Task:
    """``task`` itself, or the task of that short name ("det", "cls", "rec"); ValueError lists the known ones."""
    if isinstance(task, Task):
        return task
    if task not in TASKS:
        raise ValueError("no task is called %r; the tasks are %s" % (task, ", ".join(TASKS)))
    return TASKS[task]
