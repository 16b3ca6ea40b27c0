"""Magika's inputs: real files of this system (/usr/share, /usr/lib, /etc), turned into the
model's 2,048 byte features by magika's own Python code (the first and last 1,024 bytes after
stripping whitespace, padded with token 256), as `magika.Magika().identify_path` does."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

ROOTS = (Path("/usr/share"), Path("/usr/lib"), Path("/etc"))
MAX_PER_DIR = 40  # files taken from one directory, so that no package's tree fills the pool


def walk(roots=ROOTS, max_per_dir: int = MAX_PER_DIR) -> list[Path]:
    """Regular, readable, non-empty files under `roots` (no symlinks), in sorted order."""
    out = []
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs.sort()
            taken = 0
            for name in sorted(files):
                p = Path(folder) / name
                if taken < max_per_dir and p.is_file() and not p.is_symlink() and os.access(p, os.R_OK) \
                        and p.stat().st_size > 0:
                    out.append(p)
                    taken += 1
    return out


def kind(path: Path) -> str:
    """The group a file is drawn from: its suffix ("" for none)."""
    return path.suffix.lower()


def diverse_pick(paths: list[Path], n: int, seed: int) -> list[Path]:
    """`n` files drawn round-robin over the kinds (shuffled with `seed`), so that rare file types
    are represented beside the thousands of .py, .so and .gz files a Debian tree holds."""
    rng = np.random.default_rng(seed)
    groups: dict[str, list[Path]] = {}
    for p in paths:
        groups.setdefault(kind(p), []).append(p)
    order = sorted(groups)
    rng.shuffle(order)
    for k in order:
        rng.shuffle(groups[k])
    picked, depth = [], 0
    while len(picked) < n and any(depth < len(groups[k]) for k in order):
        picked += [groups[k][depth] for k in order if depth < len(groups[k])][:n - len(picked)]
        depth += 1
    return picked


def split(paths: list[Path], n_calib: int, n_eval: int, seed: int) -> tuple[list[Path], list[Path]]:
    """Disjoint calibration and evaluation files: the pool is cut in two halves by a seeded
    shuffle, and each half is drawn from separately."""
    rng = np.random.default_rng(seed)
    idx = rng.permutation(len(paths))
    half = len(paths) // 2
    return (diverse_pick([paths[i] for i in idx[:half]], n_calib, seed + 1),
            diverse_pick([paths[i] for i in idx[half:]], n_eval, seed + 2))


def features(paths: list[Path]) -> np.ndarray:
    """[N, 2048] int32 features of the files magika sends to its model (files too small for it,
    which magika labels without the model, are left out)."""
    from magika import Magika

    m = Magika()
    rows = []
    for p in paths:
        _, feats = m._get_result_or_features_from_path(p)
        if feats is not None:
            rows.append(feats.beg + feats.end)
    return np.array(rows, np.int32)


def model_path() -> Path:
    import magika
    return Path(magika.__file__).parent / "models" / "standard_v3_3" / "model.onnx"
