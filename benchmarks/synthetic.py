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


def listing_records(count: int, seed: int = 1) -> Iterator[str]:
    """Records in the blank-line listing form with unique new-style arXiv ids."""
    rng = random.Random(seed)
    for i in range(count):
        year, month = 2015 + (i // 99_999) % 10, 1 + (i // 8_333) % 12
        arxiv_id = f"{year % 100:02d}{month:02d}.{i % 99_999 + 1:05d}"
        parts = [abstract(rng)]
        roll = rng.random()
        if roll < 0.3:
            parts.append(f"Accepted by {rng.choice(VENUES)}{year + 1}")
        elif roll < 0.5:
            parts.append(f"{rng.randint(4, 14)} pages, {rng.randint(1, 9)} figures")
        parts.append(f"arXiv:{arxiv_id}\nCreated: {year}-{month:02d}-{rng.randint(1, 28):02d}")
        yield "\n\n".join(parts) + "\n\n"


def write_listing(path: Path, count: int, seed: int = 1) -> Path:
    """Write ``count`` listing records to ``path``."""
    with path.open("w", encoding="utf-8") as out:
        out.writelines(listing_records(count, seed))
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
