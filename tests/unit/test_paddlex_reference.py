"""tools/paddlex_reference.py's differential check: shapes compare names, types and nesting, never values."""

from testkit.scripts import load

reference = load("tools/paddlex_reference.py")
_yaml, compare_answers, differences, shape_of = (reference._yaml, reference.compare_answers, reference.differences,
                                                 reference.shape_of)


def answer(pruned: dict, info=None) -> dict:
    return {"logId": "x", "errorCode": 0, "errorMsg": "Success",
            "result": {"ocrResults": [{"prunedResult": pruned}], "dataInfo": info or {"width": 2, "height": 1}}}


def test_shapes_ignore_values_and_see_types_fields_and_nesting():
    assert shape_of({"a": [[1, 2]], "b": 0.5}) == shape_of({"a": [[3, 4], [5, 6]], "b": 1})
    assert differences(shape_of({"a": [[1, 2]]}), shape_of({"a": [[1.5, 2]], "c": "x"})) == ["c: only ours has it"]
    assert differences(shape_of({"a": [[1, 2]]}), shape_of({"a": [["1", 2]]})) == [
        "a.[].[]: PaddleX number, ours str"]
    assert differences(shape_of({"a": []}), shape_of({"a": [1]})) == []  # an empty list says nothing


def test_the_report_names_each_difference_and_counts_texts():
    theirs = {"k": answer({"rec_texts": ["A", "B"], "rec_boxes": [[0, 0, 1, 1]]})}
    ours = {"k": answer({"rec_texts": ["A", "C"], "rec_boxes": [[0, 0, 1, 1]], "extra": True})}
    report = compare_answers(theirs, ours, {"k": "photo.jpg"})
    assert "ocrResults[].prunedResult.extra: only ours has it (1 image(s): photo.jpg)" in report
    assert "texts identical on 0 of 1 images; 1 of PaddleX's 2 lines read alike by ours" in report
    assert "same name, type and nesting" in compare_answers(theirs, theirs, {})


def test_yaml_is_what_paddlex_reads():
    assert _yaml({"a": {"b": [{"c": None}], "d": "x"}}) == 'a:\n  b:\n    - {"c": null}\n  d: "x"\n'
