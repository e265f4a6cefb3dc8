"""How well a reading matches a label, per character, per word and in reading order.

Characters ignore whitespace (a multiset per image); words are whitespace-separated tokens compared exactly,
case and accents included, so a space lost (``Cleanhands``) or an accent lost (``Musee``) is a word lost; reading
order is one minus the normalised edit distance between the joined texts. All text is NFC-normalised first (the
same letter, composed or not, is the same letter).
"""

import collections
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Sequence


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@dataclass
class Counts:
    """Matched, read and labelled units of one kind, summed over images."""

    common: int = 0
    read: int = 0
    labelled: int = 0

    def add(self, read: Iterable[str], labelled: Iterable[str]) -> None:
        read_units, label_units = collections.Counter(read), collections.Counter(labelled)
        self.common += sum((read_units & label_units).values())
        self.read += sum(read_units.values())
        self.labelled += sum(label_units.values())

    def f1(self) -> float:
        precision = self.common / self.read if self.read else 0.0
        recall = self.common / self.labelled if self.labelled else 1.0
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def characters(lines: Sequence[str]) -> list:
    """Every non-space character of the lines."""
    return [c for line in lines for c in nfc(line) if not c.isspace()]


def words(lines: Sequence[str]) -> list:
    """Every whitespace-separated word of the lines, exactly as written."""
    return [word for line in lines for word in nfc(line).split()]


def word_f1(read: Sequence[str], labelled: Sequence[str]) -> float:
    """Word F1 of one image's reading against its label."""
    counts = Counts()
    counts.add(words(read), words(labelled))
    return counts.f1()


def edit_distance(a: Sequence, b: Sequence) -> int:
    """Levenshtein distance between two sequences: of characters (strings) or of words (lists)."""
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        previous = current
    return previous[-1]


def order_score(read: Sequence[str], labelled: Sequence[str]) -> float:
    """1 - normalised edit distance between the lines joined in the order given: 1.0 is the label's text in the
    label's order; lines swapped, split across others or missing lower it."""
    a, b = nfc("\n".join(read)), nfc("\n".join(labelled))
    return 1.0 - edit_distance(a, b) / max(len(a), len(b), 1)
