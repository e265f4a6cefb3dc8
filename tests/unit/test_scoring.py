"""Scores used by tools/accuracy.py and the generation tests: a space or an accent lost is a word lost."""

from testkit.scoring import Counts, characters, order_score, word_f1, words


def test_a_lost_space_or_accent_loses_words_but_not_characters():
    label = ["Clean hands with soap", "Musée du LOUVRE"]
    glued = ["Cleanhands with soap", "Musee du LOUVRE"]
    counts = Counts()
    counts.add(characters(glued), characters(label))
    assert counts.common == len(characters(label)) - 1  # only é is missed
    assert word_f1(glued, label) == 2 * (4 / 6) * (4 / 7) / (4 / 6 + 4 / 7)
    assert word_f1(label, label) == 1.0


def test_words_are_compared_exactly_and_composed_accents_match():
    assert words(["a  b", "C"]) == ["a", "b", "C"]
    assert word_f1(["Muse\u0301e"], ["Musée"]) == 1.0
    assert word_f1(["musée"], ["Musée"]) == 0.0
    assert word_f1([], ["x"]) == 0.0 and word_f1([], []) == 0.0


def test_order_score():
    assert order_score(["a", "b"], ["a", "b"]) == 1.0
    assert order_score(["b", "a"], ["a", "b"]) < 1.0
    assert order_score([], ["abc"]) == 0.0
