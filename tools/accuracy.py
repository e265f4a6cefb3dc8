"""Score ours and the upstream pipeline on a labelled corpus (tools/make_corpus.py): one table, per subset.

    .venv/bin/python tools/accuracy.py [--corpus DIR | --seed 0 --per-subset 12] [--contenders reference,ours]
        [--init-args '{"ocr_system option": value}'] [--failures]

Both are served by `hub serving start` (as tools/benchmark.py does) and sent every image as its PNG file.
Character F1: per subset, the multiset of characters read against the multiset drawn (whitespace ignored,
NFKC-normalised), summed over the subset's images. Line recall: the share of drawn lines read exactly, as one line.
"""

import argparse
import collections
import json
import os
import tempfile
import unicodedata
from typing import Dict, List, Sequence, Tuple

from benchmark import REFERENCE_DIR, read_texts, start_server
from make_corpus import SUBSETS, make_corpus

from testkit.server import REPO, install_modules

MODULES = {"ours": "ocr_system", "reference": "ocr_system_reference"}


def normalise(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def score(read: Sequence[str], drawn: Sequence[str]) -> Tuple[int, int, int, int]:
    """(characters in common, characters read, characters drawn, drawn lines read exactly) for one image."""
    read_chars = collections.Counter("".join(normalise(t) for t in read))
    drawn_chars = collections.Counter("".join(normalise(t) for t in drawn))
    common = sum((read_chars & drawn_chars).values())
    unmatched = collections.Counter(normalise(t) for t in read)
    exact = 0
    for line in drawn:
        if unmatched[normalise(line)] > 0:
            unmatched[normalise(line)] -= 1
            exact += 1
    return common, sum(read_chars.values()), sum(drawn_chars.values()), exact


def f1(common: int, read: int, drawn: int) -> float:
    precision = common / read if read else 0.0
    recall = common / drawn if drawn else 1.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def table(results: Dict[str, Dict[str, List[str]]], labels: Dict[str, dict]) -> List[str]:
    """One row per subset (and all): character F1 and line recall of each contender."""
    names = list(results)
    header = "subset            | images | " + " | ".join("%s char F1 | %s line recall" % (n, n) for n in names)
    rows = [header, "-" * len(header)]
    subsets = list(SUBSETS) + ["all"]
    for subset in subsets:
        files = [f for f in labels if subset == "all" or f.split("/")[0] == subset]
        if not files:
            continue
        cells = []
        for name in names:
            totals = [0, 0, 0, 0]
            for f in files:
                totals = [a + b for a, b in zip(totals, score(results[name][f], labels[f]["lines"]))]
            lines = sum(len(labels[f]["lines"]) for f in files)
            cells.append("%*.3f | %*.3f" % (len(name) + 8, f1(*totals[:3]), len(name) + 12, totals[3] / lines))
        rows.append("%-17s | %6d | %s" % (subset, len(files), " | ".join(cells)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", help="a folder written by tools/make_corpus.py (default: generate one)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-subset", type=int, default=12)
    parser.add_argument("--contenders", default="reference,ours")
    parser.add_argument("--init-args", default="{}", help="JSON init_args for our ocr_system")
    parser.add_argument("--failures", action="store_true", help="list every image not read exactly")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="ocr_accuracy_")
    corpus = args.corpus or os.path.join(workdir, "corpus")
    if args.corpus:
        with open(os.path.join(corpus, "labels.json"), encoding="utf-8") as handle:
            labels = json.load(handle)
    else:
        labels = make_corpus(corpus, args.seed, args.per_subset)
    contenders = args.contenders.split(",")
    hub_home = os.path.join(workdir, "hub_home")
    folders = {"ours": os.path.join(REPO, "hubserving", "ocr_system"),
               "reference": os.path.join(REFERENCE_DIR, "ocr_system_reference")}
    install_modules(hub_home, [folders[name] for name in contenders])
    init_args = {"ours": dict(json.loads(args.init_args), enable_mkldnn=True), "reference": {"enable_mkldnn": True}}
    results = {}
    for name in contenders:
        server = start_server(MODULES[name], init_args[name], 0, hub_home, workdir)
        try:
            results[name] = {}
            for f in labels:
                with open(os.path.join(corpus, f), "rb") as handle:
                    results[name][f] = read_texts(server, MODULES[name], handle.read())
        finally:
            server.stop()
    print("corpus %s: %d images; character F1 and line recall per subset" % (corpus, len(labels)))
    print("\n".join(table(results, labels)))
    if args.failures:
        for f in labels:
            for name in contenders:
                if [normalise(t) for t in results[name][f]] != [normalise(t) for t in labels[f]["lines"]]:
                    print("%-24s %-9s read %s, drawn %s" % (f, name, results[name][f], labels[f]["lines"]))


if __name__ == "__main__":
    main()
