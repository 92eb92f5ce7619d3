"""Synthetic dumps in the seed formats, for benchmarks (deterministic for a given seed)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

WORDS = (
    "adaptive attention augmentation backbone benchmark calibration compression consistency "
    "contrastive convolution dataset decoder dense detection diffusion distillation domain "
    "efficient embedding encoder ensemble estimation feature fusion generalization generative "
    "graph hierarchical image inference invariant knowledge latent learning lightweight mask "
    "matching memory meta model multimodal network neural object optimization perception "
    "pruning quantization recognition reconstruction representation residual robust sampling "
    "segmentation semantic sparse spatial supervised synthesis temporal tracking transfer "
    "transformer uncertainty unsupervised video vision weakly zero"
).split()
VENUES = ("CVPR", "ICCV", "ECCV", "NeurIPS", "ICML", "ICLR", "AAAI", "IJCAI")


_SYLLABLES = "ka lo mi ne ru sa ti vo ze pa de fi go hu ja ke li mo nu".split()


def title_words(seed: int = 3, count: int = 6000) -> list[str]:
    """A title vocabulary as varied as real titles': pseudo-words of 2-4 syllables."""
    rng = random.Random(seed)
    words = {"".join(rng.choices(_SYLLABLES, k=rng.randint(2, 4))) for _ in range(count * 2)}
    return sorted(words)[:count]


def _sentence(rng: random.Random, n: int) -> str:
    words = rng.choices(WORDS, k=n)
    return " ".join(words).capitalize() + "."


def abstract(rng: random.Random) -> str:
    """About 1,300 characters, like the seeds' abstracts."""
    return " ".join(_sentence(rng, rng.randint(14, 24)) for _ in range(10))


# --- a realistic vocabulary ------------------------------------------------------------
# In the worst-case abstracts above each of the 68 words is in about 94% of the abstracts,
# so every query word matches most of the library. Real abstracts are not like that:
# function words everywhere, a few topic words per paper, and a long tail of rarer words
# (Zipf's law). The realistic abstracts below draw each topic word with the share of
# real machine-learning abstracts (arXiv cs.CV / cs.LG, rough) that contain it.
DOC_FREQUENCY: dict[str, float] = {
    "learning": 0.45, "model": 0.40, "network": 0.35, "neural": 0.30, "image": 0.20,
    "feature": 0.18, "dataset": 0.18, "representation": 0.12, "vision": 0.10,
    "inference": 0.10, "optimization": 0.10, "supervised": 0.09, "detection": 0.09,
    "transformer": 0.08, "graph": 0.08, "attention": 0.08, "generative": 0.07,
    "semantic": 0.06, "robust": 0.06, "benchmark": 0.06, "efficient": 0.06,
    "segmentation": 0.05, "embedding": 0.05, "domain": 0.05, "latent": 0.05,
    "encoder": 0.05, "video": 0.05, "object": 0.05, "transfer": 0.04, "knowledge": 0.04,
    "diffusion": 0.04, "spatial": 0.04, "temporal": 0.04, "multimodal": 0.03,
    "unsupervised": 0.03, "contrastive": 0.03, "sparse": 0.03, "sampling": 0.03,
    "uncertainty": 0.03, "adaptive": 0.03, "decoder": 0.03, "estimation": 0.03,
    "hierarchical": 0.02, "reconstruction": 0.02, "tracking": 0.02, "recognition": 0.03,
    "generalization": 0.02, "augmentation": 0.02, "matching": 0.02, "convolution": 0.03,
    "backbone": 0.02, "fusion": 0.02, "perception": 0.02, "invariant": 0.015,
    "consistency": 0.02, "residual": 0.015, "ensemble": 0.01, "memory": 0.02,
    "zero": 0.02, "mask": 0.02, "weakly": 0.01, "meta": 0.015, "dense": 0.015,
    "synthesis": 0.015, "compression": 0.01, "lightweight": 0.01, "distillation": 0.015,
    "pruning": 0.008, "quantization": 0.008, "calibration": 0.008,
}  # fmt: skip
FUNCTION_WORDS = (
    "the of and a to in we for is on with that by this our are from as an which be can "
    "it these show results method approach propose paper based using two new than both"
).split()


class RealisticText:
    """Abstracts with realistic word frequencies (see ``DOC_FREQUENCY``): per paper its
    topic words, then sentences of function words (45%), topic words (20%) and words of
    a 6,000-word long tail drawn by Zipf's law (35%)."""

    def __init__(self) -> None:
        self.tail = title_words(seed=7)
        random.Random(11).shuffle(self.tail)  # (ranks unrelated to spelling)
        self.tail_weights = list(_zipf_cumulative(len(self.tail)))

    def abstract(self, rng: random.Random) -> str:
        topics = [w for w in WORDS if rng.random() < DOC_FREQUENCY[w]] or [rng.choice(WORDS)]
        sentences = []
        for _ in range(10):
            words = []
            for _ in range(rng.randint(14, 24)):
                roll = rng.random()
                if roll < 0.45:
                    words.append(rng.choice(FUNCTION_WORDS))
                elif roll < 0.65:
                    words.append(rng.choice(topics))
                else:
                    words.append(rng.choices(self.tail, cum_weights=self.tail_weights)[0])
            sentences.append(" ".join(words).capitalize() + ".")
        return " ".join(sentences)


def _zipf_cumulative(n: int) -> Iterator[float]:
    total = 0.0
    for rank in range(1, n + 1):
        total += 1.0 / rank
        yield total


def listing_records(count: int, seed: int = 1, *, realistic: bool = False) -> Iterator[str]:
    """Records in the blank-line listing form with unique new-style arXiv ids; their
    abstracts have the worst-case vocabulary unless ``realistic``."""
    rng = random.Random(seed)
    text = RealisticText() if realistic else None
    for i in range(count):
        year, month = 2015 + (i // 99_999) % 10, 1 + (i // 8_333) % 12
        arxiv_id = f"{year % 100:02d}{month:02d}.{i % 99_999 + 1:05d}"
        parts = [text.abstract(rng) if text else abstract(rng)]
        roll = rng.random()
        if roll < 0.3:
            parts.append(f"Accepted by {rng.choice(VENUES)}{year + 1}")
        elif roll < 0.5:
            parts.append(f"{rng.randint(4, 14)} pages, {rng.randint(1, 9)} figures")
        parts.append(f"arXiv:{arxiv_id}\nCreated: {year}-{month:02d}-{rng.randint(1, 28):02d}")
        yield "\n\n".join(parts) + "\n\n"


def write_listing(path: Path, count: int, seed: int = 1, *, realistic: bool = False) -> Path:
    """Write ``count`` listing records to ``path`` (``realistic``: see ``RealisticText``)."""
    with path.open("w", encoding="utf-8") as out:
        out.writelines(listing_records(count, seed, realistic=realistic))
    return path


def write_profile(path: Path, count: int, seed: int = 2) -> Path:
    """Write a researcher profile page with ``count`` works (unique titles)."""
    rng = random.Random(seed)
    vocabulary = title_words()
    with path.open("w", encoding="utf-8") as out:
        out.write("Researcher profile\n\nAda Example\n\nPublished work\n\n")
        out.write(f"{count} published item(s)\n\n")
        for _ in range(count):
            words = rng.choices(WORDS, k=3) + rng.choices(vocabulary, k=4)
            rng.shuffle(words)
            title = " ".join(w.capitalize() for w in words)
            year = rng.randint(2010, 2024)
            out.write(f"preprint{year}arXiv\n\n{title}\n\n{abstract(rng)}\n\n")
    return path
