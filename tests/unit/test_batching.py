"""plan_batches: lines of neighbouring widths share a batch, and no batch exceeds the column budget."""

from ocr_engine.stages.batching import plan_batches

HEIGHT, SIZE, MIN_WIDTH, BUDGET = 48, 6, 320, 6 * 2304


def test_short_lines_share_one_batch_padded_to_the_minimum_width():
    batches = plan_batches([3.0, 1.0, 2.0], HEIGHT, SIZE, MIN_WIDTH, BUDGET)
    assert [(b.lines, b.width) for b in batches] == [([1, 2, 0], 320)]


def test_batches_hold_at_most_batch_size_lines_sorted_by_ratio():
    ratios = [float(r) for r in (9, 1, 8, 2, 7, 3, 12, 4)]
    batches = plan_batches(ratios, HEIGHT, SIZE, MIN_WIDTH, BUDGET)
    assert [b.lines for b in batches] == [[1, 3, 5, 7, 4, 2], [0, 6]]
    assert [b.width for b in batches] == [int(48 * 8.0), int(48 * 12.0)]


def test_a_wide_line_gets_a_smaller_batch_within_the_column_budget():
    batches = plan_batches([2.0] * 5 + [100.0], HEIGHT, SIZE, MIN_WIDTH, BUDGET)
    assert [(b.lines, b.width) for b in batches] == [([0, 1, 2, 3, 4], 320), ([5], 4800)]
    assert all(b.width * len(b.lines) <= BUDGET for b in batches)


def test_a_line_wider_than_the_budget_is_alone_at_the_budget():
    batches = plan_batches([1.0, 400.0], HEIGHT, SIZE, MIN_WIDTH, BUDGET)
    assert [(b.lines, b.width) for b in batches] == [([0], 320), ([1], BUDGET)]


def test_no_lines_no_batches():
    assert plan_batches([], HEIGHT, SIZE, MIN_WIDTH, BUDGET) == []
