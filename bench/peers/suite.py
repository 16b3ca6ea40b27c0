"""The model suite: read bench/models.json, resolve each model's ONNX file and build its inputs.

Everything a model needs is in its one entry; this module turns an entry into files and
arrays, and turns anything missing into a `Missing` with the reason the table will print."""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
SUITE_FILE = REPO / "bench" / "models.json"
OUT_DIR = REPO / "bench" / "out"


class Missing(Exception):
    """A model, data file or engine variant that is not available; the message says why."""


def describe(err: Exception) -> str:
    """One line for a table cell: the reason of a Missing, else the exception's first line."""
    if isinstance(err, Missing):
        return str(err)
    text = str(err).strip()
    return f"{type(err).__name__}: {text.splitlines()[0][:160] if text else ''}"


@dataclass
class Variant:
    label: str
    dims: dict = field(default_factory=dict)  # symbol name or "@axis" -> size
    foundation: bool = False                   # part of the fp32 octet-vs-ORT table


@dataclass
class Model:
    name: str
    title: str
    entry: dict
    variants: list[Variant]

    @property
    def metric(self) -> str:
        return self.entry["metric"]

    @property
    def int8_mode(self) -> str:
        return self.entry.get("int8", "static")

    @property
    def arch(self) -> str | None:
        """cnn, transformer or rnn: which int8-vs-fp32 target the report's targets table applies."""
        return self.entry.get("arch")

    @property
    def torch_recipe(self) -> str | None:
        return self.entry.get("torch")

    def samples(self, kind: str, quick: bool) -> int:
        counts = self.entry.get(kind, {"quick": 8, "full": 32})
        return counts["quick" if quick else "full"]


def load_suite(path: Path = SUITE_FILE) -> list[Model]:
    doc = json.loads(Path(path).read_text())
    models = []
    for e in doc["models"]:
        for key in ("name", "source", "metric"):
            if key not in e:
                raise ValueError(f"{path}: model entry {e.get('name', '?')} lacks {key!r}")
        variants = [Variant(v["label"], v.get("dims", {}), v.get("foundation", False))
                    for v in e.get("variants", [{"label": "b1"}])]
        models.append(Model(e["name"], e.get("title", e["name"]), e, variants))
    return models


def _argv(template: list[str], out: Path | None = None) -> list[str]:
    return [a.replace("{python}", sys.executable).replace("{out}", str(out)) for a in template]


def resolve_onnx(model: Model, refresh: bool = False) -> Path:
    """The fp32 ONNX file of `model`: a committed path, the output of an export recipe
    (cached under bench/out/models/), or the path a locate command prints."""
    src = model.entry["source"]
    if "path" in src:
        path = REPO / src["path"]
        if not path.is_file():
            raise Missing(f"{src['path']} does not exist yet")
        return path
    if "export" in src:
        out = OUT_DIR / "models" / f"{model.name}.onnx"
        stamp = out.with_suffix(".recipe")  # what made the cached file
        recipe = recipe_key(src["export"])
        if out.is_file() and not refresh and stamp.is_file() and stamp.read_text() == recipe:
            return out
        out.parent.mkdir(parents=True, exist_ok=True)
        stamp.unlink(missing_ok=True)
        _run_recipe(_argv(src["export"], out))
        if not out.is_file():
            raise Missing(f"export recipe wrote no {out.name}")
        stamp.write_text(recipe)
        return out
    if "locate" in src:
        lines = _run_recipe(_argv(src["locate"])).strip().splitlines()
        path = Path(lines[-1].strip()) if lines else None
        if path is None or not path.is_file():
            raise Missing(f"locate recipe printed no existing file ({lines[-1] if lines else 'nothing'})")
        return path
    raise ValueError(f"model {model.name}: source needs path, export or locate")


def recipe_key(template: list[str]) -> str:
    """The export argv and the sha256 of each repository file it names: a cached export is
    redone when either changes (an edited export script builds other weights)."""
    import hashlib

    lines = [" ".join(template)]
    for arg in template:
        path = REPO / arg
        if "{" not in arg and path.is_file():
            lines.append(f"{arg} {hashlib.sha256(path.read_bytes()).hexdigest()}")
    return "\n".join(lines) + "\n"


def _run_recipe(argv: list[str]) -> str:
    script = next((a for a in argv if a.endswith(".py")), None)
    if script and not (REPO / script).is_file():
        raise Missing(f"{script} does not exist yet")
    try:
        done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise Missing(f"{' '.join(argv[1:])}: {err}") from err
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise Missing(f"{' '.join(argv[1:3])} failed: {tail}")
    return done.stdout


def input_specs(onnx_path: Path) -> list[tuple[str, np.dtype, list]]:
    """(name, dtype, dims) of each real graph input; dims hold ints or symbol strings."""
    import onnx
    from onnx.helper import tensor_dtype_to_np_dtype

    graph = onnx.load(str(onnx_path), load_external_data=False).graph
    inits = {i.name for i in graph.initializer}
    specs = []
    for i in graph.input:
        if i.name in inits:
            continue
        t = i.type.tensor_type
        dims = [d.dim_param or (d.dim_value if d.HasField("dim_value") else "?") for d in t.shape.dim]
        specs.append((i.name, np.dtype(tensor_dtype_to_np_dtype(t.elem_type)), dims))
    return specs


def output_names(onnx_path: Path) -> list[str]:
    import onnx
    return [o.name for o in onnx.load(str(onnx_path), load_external_data=False).graph.output]


def concrete_shape(name: str, dims: list, variant: Variant, rule: dict) -> list[int]:
    """Fix every symbolic dim: an explicit shape in the generation rule wins, then the
    variant's dims by symbol name, then by "@axis"; a dim that stays unknown is an error."""
    if "shape" in rule:
        return list(rule["shape"])
    shape = []
    for axis, d in enumerate(dims):
        if isinstance(d, int) and d > 0:
            shape.append(d)
        elif isinstance(d, str) and d in variant.dims:
            shape.append(int(variant.dims[d]))
        elif f"@{axis}" in variant.dims:
            shape.append(int(variant.dims[f"@{axis}"]))
        else:
            raise Missing(f"input {name}: no size for dim {axis} ({d!r}) in variant {variant.label}")
    return shape


def _rule_for(rules: dict, name: str) -> dict:
    return rules.get(name, rules.get("*", {"normal": 1.0}))


# ImageNet's per-channel mean and standard deviation (RGB), the normalization timm's and
# torchvision's ImageNet models take their inputs in.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _photos() -> list:
    """The two real photographs scikit-learn ships (china.jpg, flower.jpg; 427x640 RGB), as PIL
    images; offline, read from the installed package."""
    try:
        from PIL import Image
        from sklearn.datasets import load_sample_images
    except ImportError as err:
        raise Missing(f"the photos rule needs scikit-learn and Pillow: {err}") from err
    return [Image.fromarray(img) for img in load_sample_images().images]


def photo_crops(shape: list[int], rng: np.random.Generator, photos=None) -> np.ndarray:
    """[N, 3, H, W] float32: random crops of the photos (a quarter to all of the area, aspect 3/4 to
    4/3, as torchvision's RandomResizedCrop draws them), bilinear-resized to H x W, mirrored half of
    the time, scaled to [0, 1] and normalized with IMAGENET_MEAN / IMAGENET_STD."""
    from PIL import Image

    if len(shape) != 4 or shape[1] != 3:
        raise Missing(f"the photos rule makes [N, 3, H, W] images, not {shape}")
    photos = photos if photos is not None else _photos()
    n, _, h, w = shape
    out = np.empty(shape, np.float32)
    for i in range(n):
        img = photos[int(rng.integers(len(photos)))]
        area = img.width * img.height * rng.uniform(0.25, 1.0)
        aspect = np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3)))
        cw = int(min(img.width, round(np.sqrt(area * aspect))))
        ch = int(min(img.height, round(np.sqrt(area / aspect))))
        x0, y0 = int(rng.integers(img.width - cw + 1)), int(rng.integers(img.height - ch + 1))
        crop = img.resize((w, h), Image.BILINEAR, box=(x0, y0, x0 + cw, y0 + ch))
        pixels = np.asarray(crop, np.float32) / 255.0
        if rng.uniform() < 0.5:
            pixels = pixels[:, ::-1]
        out[i] = ((pixels - IMAGENET_MEAN) / IMAGENET_STD).transpose(2, 0, 1)
    return out


def _generate(rule: dict, shape: list[int], dtype: np.dtype, rng: np.random.Generator) -> np.ndarray:
    if "photos" in rule:
        return photo_crops(shape, rng).astype(dtype)
    if "fill" in rule:
        return np.full(shape, rule["fill"], dtype=dtype)
    if "randint" in rule:
        lo, hi = rule["randint"]
        return rng.integers(lo, hi, size=shape).astype(dtype)
    if "uniform" in rule:
        a = rule["uniform"]
        return rng.uniform(-a, a, size=shape).astype(dtype)
    if "normal" in rule:
        return (rng.standard_normal(size=shape) * rule["normal"]).astype(dtype)
    raise ValueError(f"unknown generation rule {rule}")


def generated_feeds(model: Model, onnx_path: Path, variant: Variant, count: int, seed: int) -> list[dict]:
    """`count` input dicts drawn by the entry's "generate" rules (seeded: every engine and
    every run sees the same numbers)."""
    rules = model.entry.get("generate", {})
    rng = np.random.default_rng(seed)
    specs = input_specs(onnx_path)
    feeds = []
    for _ in range(count):
        feed = {}
        for name, dtype, dims in specs:
            rule = _rule_for(rules, name)
            feed[name] = _generate(rule, concrete_shape(name, dims, variant, rule), dtype, rng)
        feeds.append(feed)
    return feeds


def _load_npz(rel: str) -> dict:
    path = REPO / rel
    if not path.is_file():
        raise Missing(f"{rel} does not exist yet")
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def dataset_feeds(model: Model, onnx_path: Path, key: str, limit: int, batch: int) -> list[dict]:
    """Consecutive batches of `batch` samples (axis 0) from the entry's data[key] npz; arrays
    that are not graph inputs (labels kept beside the images, say) are left out."""
    rel = model.entry.get("data", {}).get(key)
    if rel is None:
        raise Missing(f"bench/models.json names no {key!r} data for {model.name}")
    names = {n for n, _, _ in input_specs(onnx_path)}
    arrays = {k: a for k, a in _load_npz(rel).items() if k in names}
    if set(arrays) != names:
        raise Missing(f"{rel} lacks inputs {', '.join(sorted(names - set(arrays)))}")
    n = min(limit, min(a.shape[0] for a in arrays.values()))
    return [{k: a[s:s + batch] for k, a in arrays.items()} for s in range(0, n - batch + 1, batch)]


def labels(model: Model, limit: int) -> np.ndarray | None:
    """The entry's labels: an .npy, or "FILE.npz:KEY" for labels stored beside the inputs."""
    rel = model.entry.get("data", {}).get("labels")
    if rel is None:
        return None
    rel, _, key = rel.partition(":")
    if key:
        arrays = _load_npz(rel)
        if key not in arrays:
            raise Missing(f"{rel} has no array {key!r}")
        return arrays[key][:limit]
    path = REPO / rel
    if not path.is_file():
        raise Missing(f"{rel} does not exist yet")
    return np.load(path)[:limit]


def has_dataset(model: Model, key: str) -> bool:
    return key in model.entry.get("data", {})


def latency_feed(model: Model, onnx_path: Path, variant: Variant) -> dict:
    """The one input the latency loop repeats: a committed npz, one dataset batch, or generated."""
    data = model.entry.get("data", {})
    if "latency" in data:
        names = {n for n, _, _ in input_specs(onnx_path)}
        return {k: a for k, a in _load_npz(data["latency"]).items() if k in names}
    if "eval" in data:
        batch = int(variant.dims.get("@0", 1))
        return dataset_feeds(model, onnx_path, "eval", batch, batch)[0]
    return generated_feeds(model, onnx_path, variant, 1, seed=0)[0]


def eval_feeds(model: Model, onnx_path: Path, variant: Variant, quick: bool) -> list[dict]:
    n = model.samples("eval_samples", quick)
    if has_dataset(model, "eval"):
        return dataset_feeds(model, onnx_path, "eval", n, _eval_batch(model, onnx_path))
    return generated_feeds(model, onnx_path, variant, n, seed=1)


def _eval_batch(model: Model, onnx_path: Path) -> int:
    """Evaluate in batches of "eval_batch" samples unless the graph fixes its batch size."""
    fixed = {d[0] for _, _, d in input_specs(onnx_path) if d and isinstance(d[0], int) and d[0] > 0}
    return fixed.pop() if len(fixed) == 1 else int(model.entry.get("eval_batch", 50))


def calib_feeds(model: Model, onnx_path: Path, variant: Variant, quick: bool) -> list[dict]:
    n = model.samples("calib_samples", quick)
    if has_dataset(model, "eval"):  # a dataset model calibrates on its own held-out split
        return dataset_feeds(model, onnx_path, "calib", n, 1)
    return generated_feeds(model, onnx_path, variant, n, seed=2)
