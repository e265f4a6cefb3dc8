"""A multipart form sent to a PaddleX endpoint, read as the JSON object it stands for: ``file`` as the uploaded bytes,
each text field as its JSON value where the field takes no text (``fileType=1``, ``visualize=false``,
``markdownIgnoreLabels=["table"]``), else as the text sent (``logId=123`` stays a name)."""

import json
import typing
from typing import Any, Dict, Type

from pydantic import BaseModel

from ..multipart import Form


def request_fields(form: Form, model: Type[BaseModel]) -> Dict[str, Any]:
    """The dict a JSON body would have been, for ``model`` to check as it checks one; a field ``model`` does not
    know is kept, so that it is reported as a JSON body's would be."""
    fields: Dict[str, Any] = dict(form.files)
    for name, text in form.texts.items():
        known = model.model_fields.get(name)
        fields[name] = text if known is not None and _takes_text(known.annotation, text) else _json_or_text(text)
    return fields


def _takes_text(annotation: Any, text: str) -> bool:
    """Whether a field of this type reads ``text`` as it is: it accepts a string, and the text is not a JSON object
    or list (``layoutThreshold`` takes a number or an object)."""
    return not text.lstrip().startswith(("{", "[")) and _accepts_str(annotation)


def _accepts_str(annotation: Any) -> bool:
    return annotation is str or any(_accepts_str(argument) for argument in typing.get_args(annotation))


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text  # the model names the field and what it wanted
