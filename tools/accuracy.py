"""Score ours and the upstream pipeline on a labelled corpus (tools/make_corpus.py) and on real photos labelled by
hand (tests/data/photo_labels.json): one table, a row per subset.

    .venv/bin/python tools/accuracy.py [--corpus DIR | --seed 0 --per-subset 12] [--contenders reference,ours]
        [--contender LABEL '{"ocr_system option": value}' ...] [--init-args '{"ocr_system option": value}']
        [--no-real] [--failures] [--changed] [--json FILE]

Contenders: ``reference`` (upstream's pipeline), ``ours`` (our defaults), a model generation name
(``PP-OCRv4``, ``PP-OCRv6``: ours with that ocr_version), or a detector and a recogniser by name
(``PP-OCRv4_mobile_det+PP-OCRv6_small_rec``: ours with that pair); ``--contender LABEL JSON`` adds ours with those
init_args under LABEL (``--contender fp32 '{"precision": "fp32"}' --contender bf16 '{"precision": "bf16"}'``).
Each is served by `hub serving start` and sent every image as its file; ``--changed`` lists the images the
contenders read differently. Per subset and contender: character F1 (whitespace ignored, NFKC), line recall
(labelled lines read exactly as one line, whitespace ignored), word F1 (whitespace-separated words, exact: a space
or accent lost is a word lost) and reading order (1 - normalised edit distance of the joined text). The real photos
are scored beside, in the subset ``real``, with lines marked unreadable left out of the label.
"""

import argparse
import collections
import json
import os
import tempfile
import unicodedata
from typing import Dict, List

from benchmark import REFERENCE_DIR, read_texts, start_server
from make_corpus import SUBSETS, make_corpus

from ocr_engine.runtime import GENERATIONS, MODELS
from ocr_engine.runtime.models import bundled_model, pinned_generation
from testkit.scoring import Counts, characters, order_score, words
from testkit.server import REPO, install_modules

PHOTO_LABELS = os.path.join(REPO, "tests", "data", "photo_labels.json")
SHARED = os.path.join(os.path.dirname(REPO), "shared", "ocr-images")


def squashed(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def nfkc_characters(lines: List[str]) -> List[str]:
    return characters([unicodedata.normalize("NFKC", line) for line in lines])


def real_photos() -> Dict[str, dict]:
    """The hand-labelled photos found on this machine: {path: {"lang", "lines"}} (unreadable lines left out)."""
    with open(PHOTO_LABELS, encoding="utf-8") as handle:
        labels = json.load(handle)["photos"]
    found = {}
    for name, label in labels.items():
        for folder in (os.path.join(REPO, "tests", "data"), SHARED):
            if os.path.isfile(os.path.join(folder, name)):
                lines = [line for line in label["lines"] if not line.startswith("#")]
                found[os.path.join(folder, name)] = {"lang": label["lang"], "lines": lines, "subset": "real"}
                break
    return found


def contender_args(name: str) -> dict:
    """The init_args that make our ocr_system the contender ``name`` (see the module's docstring); {} for ours,
    ValueError for a name that is none of them."""
    if name == "ours":
        return {}
    if name in GENERATIONS:
        return pinned_generation(name)
    if "+" not in name:
        raise ValueError("unknown contender %s" % name)
    det, _, rec = name.partition("+")
    return {"text_detection_model_name": bundled_model(det, "det").name,
            "text_recognition_model_name": bundled_model(rec, "rec").name}


def table(results: Dict[str, Dict[str, List[str]]], labels: Dict[str, dict]) -> List[str]:
    """One row per subset (and all): character F1, line recall, word F1 and reading order of each contender, over
    the images of ``labels``."""
    names = list(results)
    columns = ["char F1", "line recall", "word F1", "order"]
    header = "subset            | images | " + " | ".join("%s %s" % (n, c) for n in names for c in columns)
    rows = [header, "-" * len(header)]
    for subset in list(SUBSETS) + ["real", "all"]:
        files = [f for f in labels if subset == "all" or labels[f]["subset"] == subset]
        if not files:
            continue
        cells = []
        for name in names:
            chars, word_counts, exact, order = Counts(), Counts(), 0, 0.0
            for f in files:
                read, label = results[name][f], labels[f]["lines"]
                chars.add(nfkc_characters(read), nfkc_characters(label))
                word_counts.add(words(read), words(label))
                unmatched = collections.Counter(squashed(t) for t in read)
                for line in label:
                    if unmatched[squashed(line)] > 0:
                        unmatched[squashed(line)] -= 1
                        exact += 1
                order += order_score(read, label)
            lines = sum(len(labels[f]["lines"]) for f in files)
            values = [chars.f1(), exact / lines, word_counts.f1(), order / len(files)]
            cells.extend("%*.3f" % (len(name) + 1 + len(c), v) for c, v in zip(columns, values))
        rows.append("%-17s | %6d | %s" % (subset, len(files), " | ".join(cells)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", help="a folder written by tools/make_corpus.py (default: generate one)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-subset", type=int, default=12)
    parser.add_argument("--contenders", default="reference,ours",
                        help="reference, ours, generation names (%s) or DET+REC model names (%s)"
                        % (", ".join(GENERATIONS), ", ".join(name for name, model in MODELS.items()
                                               if model.task.short in ("det", "rec"))))
    parser.add_argument("--contender", nargs=2, action="append", default=[], metavar=("LABEL", "JSON"),
                        help="also ours with these JSON init_args, named LABEL (after --contenders)")
    parser.add_argument("--init-args", default="{}", help="JSON init_args for our ocr_system")
    parser.add_argument("--no-real", dest="real", action="store_false", help="leave out the hand-labelled photos")
    parser.add_argument("--failures", action="store_true", help="list every image not read exactly")
    parser.add_argument("--changed", action="store_true",
                        help="list every image the contenders read differently, with each one's text")
    parser.add_argument("--json", help="also write every contender's texts per image to this file")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="ocr_accuracy_")
    corpus = args.corpus or os.path.join(workdir, "corpus")
    if args.corpus:
        with open(os.path.join(corpus, "labels.json"), encoding="utf-8") as handle:
            labels = json.load(handle)
    else:
        labels = make_corpus(corpus, args.seed, args.per_subset)
    labels = {os.path.join(corpus, f): dict(label, subset=f.split("/")[0]) for f, label in labels.items()}
    if args.real:
        labels.update(real_photos())
    contenders = {}
    for name in args.contenders.split(",") if args.contenders else []:
        try:
            contenders[name] = None if name == "reference" else contender_args(name)
        except ValueError as err:
            parser.error(str(err))
    for label, given in args.contender:
        contenders[label] = json.loads(given)
    hub_home = os.path.join(workdir, "hub_home")
    install_modules(hub_home, [os.path.join(REPO, "hubserving", "ocr_system"),
                               os.path.join(REFERENCE_DIR, "ocr_system_reference")])
    ours = dict(json.loads(args.init_args), enable_mkldnn=True)
    results = {}
    for name, extra in contenders.items():
        module = "ocr_system_reference" if extra is None else "ocr_system"
        init_args = {"enable_mkldnn": True} if extra is None else dict(ours, **extra)
        server = start_server(module, init_args, 0, hub_home, workdir)
        try:
            results[name] = {}
            for path in labels:
                with open(path, "rb") as handle:
                    results[name][path] = read_texts(server, module, handle.read())
        finally:
            server.stop()
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"labels": labels, "texts": results}, handle, ensure_ascii=False, indent=1)
    real = sum(1 for label in labels.values() if label["subset"] == "real")
    print("corpus %s: %d images, and %d real photos" % (corpus, len(labels) - real, real))
    print("\n".join(table(results, labels)))
    for lang in sorted({label["lang"] for label in labels.values()}):
        print("\nlanguage %s only:" % lang)
        print("\n".join(table(results, {p: label for p, label in labels.items() if label["lang"] == lang})))
    if args.changed:
        print("\nimages read differently (%s):" % " / ".join(contenders))
        for path in labels:
            readings = [results[name][path] for name in contenders]
            if any(reading != readings[0] for reading in readings):
                shown = os.path.relpath(path, corpus) if path.startswith(corpus) else os.path.basename(path)
                print("%s\n%s" % (shown, "\n".join("  %-9s %s" % (n, r) for n, r in zip(contenders, readings))))
    if args.failures:
        for path, label in labels.items():
            for name in contenders:
                if results[name][path] != label["lines"]:
                    shown = os.path.relpath(path, corpus) if path.startswith(corpus) else os.path.basename(path)
                    print("%-24s %-9s read %s, labelled %s" % (shown, name, results[name][path], label["lines"]))


if __name__ == "__main__":
    main()
