"""RapidOCR's inputs: text rendered with PIL in this system's fonts (fc-list) over noisy,
shaded backgrounds, then preprocessed by rapidocr's own code (DetPreProcess, the classifier's and
the recognizer's resize_norm_img) as `rapidocr_onnxruntime.RapidOCR` does; images are BGR there
(cv2.imread), so they are here.

Pages (736x736, the detector's limit_side_len: no rescale) for the DBNet detector; single lines
for the direction classifier (half of them turned 180 degrees, its second class) and the
recognizer (words added while the line stays within the recognizer's 320x48 aspect, so that
rapidocr's batching gives every line the same 320-pixel width)."""
from __future__ import annotations

import subprocess
from pathlib import Path
from types import SimpleNamespace

import numpy as np

PAGE = 736
LINE_H, CLS_SHAPE, REC_SHAPE = 48, (3, 48, 192), (3, 48, 320)
MEAN_STD = ([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])  # rapidocr config.yaml, Det


def models() -> dict[str, Path]:
    import rapidocr_onnxruntime
    folder = Path(rapidocr_onnxruntime.__file__).parent / "models"
    return {"det": folder / "ch_PP-OCRv4_det_infer.onnx", "cls": folder / "ch_ppocr_mobile_v2.0_cls_infer.onnx",
            "rec": folder / "ch_PP-OCRv4_rec_infer.onnx"}


def fonts() -> list[Path]:
    """The TrueType/OpenType files fc-list knows, sorted."""
    done = subprocess.run(["fc-list", ":", "file"], capture_output=True, text=True, check=True)
    paths = {Path(line.split(":")[0].strip()) for line in done.stdout.splitlines() if line.strip()}
    return sorted(p for p in paths if p.suffix.lower() in (".ttf", ".otf"))


def split_fonts(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """Calibration and evaluation fonts, disjoint: alternate files of the sorted list."""
    if len(paths) < 2:
        raise SystemExit(f"ocr: {len(paths)} fonts from fc-list; at least 2 needed (fonts-dejavu-core)")
    return paths[0::2], paths[1::2]


def background(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """[h, w, 3] uint8: a light colour, a linear shade across it, blotches and sensor noise."""
    base = rng.uniform(170, 255, 3)
    ramp = np.linspace(-1, 1, w)[None, :, None] * rng.uniform(-30, 30, 3)
    vert = np.linspace(-1, 1, h)[:, None, None] * rng.uniform(-20, 20, 3)
    img = base + ramp + vert
    for _ in range(int(rng.integers(0, 4))):  # soft blotches (stains, shadows)
        cy, cx, r = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(0.1, 0.5) * max(h, w)
        yy, xx = np.ogrid[:h, :w]
        img = img - rng.uniform(10, 40) * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))[..., None]
    img = img + rng.normal(0, rng.uniform(2, 10), img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def _ink(rng: np.random.Generator) -> tuple:
    return tuple(int(c) for c in rng.uniform(0, 90, 3))


def line_image(text: str, font: Path, rng: np.random.Generator) -> np.ndarray:
    """One line of `text` in `font` at 20-36 px on a background, cropped with a margin: RGB uint8."""
    from PIL import Image, ImageDraw, ImageFont

    f = ImageFont.truetype(str(font), int(rng.integers(20, 37)))
    left, top, right, bottom = f.getbbox(text)
    mx, my = int(rng.integers(4, 16)), int(rng.integers(3, 10))
    w, h = right - left + 2 * mx, bottom - top + 2 * my
    img = Image.fromarray(background(h, w, rng))
    ImageDraw.Draw(img).text((mx - left, my - top), text, font=f, fill=_ink(rng))
    return np.asarray(img)


def fitting_words(words: list[str], font: Path, max_ratio: float, rng: np.random.Generator) -> np.ndarray:
    """The longest prefix of `words` (at least one) whose line stays within width/height
    `max_ratio`, rendered by line_image with the same random draws for each try."""
    state = rng.bit_generator.state
    best = None
    for k in range(1, len(words) + 1):
        rng.bit_generator.state = state
        img = line_image(" ".join(words[:k]), font, rng)
        if best is not None and img.shape[1] / img.shape[0] > max_ratio:
            break
        best, after = img, rng.bit_generator.state
    rng.bit_generator.state = after
    return best


def page_image(texts: list[str], fonts_: list[Path], rng: np.random.Generator) -> np.ndarray:
    """A PAGE x PAGE RGB page: lines of `texts` top to bottom at random sizes, fonts, indents and
    inks, until the page is full."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.fromarray(background(PAGE, PAGE, rng))
    draw = ImageDraw.Draw(img)
    y = int(rng.integers(10, 60))
    for text in texts:
        f = ImageFont.truetype(str(fonts_[int(rng.integers(len(fonts_)))]), int(rng.integers(14, 41)))
        x = int(rng.integers(10, 120))
        while text and f.getbbox(text)[2] + x > PAGE - 10:  # cut the line to the page width
            text = text.rsplit(" ", 1)[0] if " " in text else text[:-1]
        _, top, _, bottom = f.getbbox(text or " ")
        if y + bottom > PAGE - 10:
            break
        draw.text((x, y), text, font=f, fill=_ink(rng))
        y += bottom + int(rng.integers(4, 40))
    return np.asarray(img)


def bgr(rgb: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(rgb[..., ::-1])


def det_input(rgb: np.ndarray) -> np.ndarray:
    """[1, 3, H, W] as rapidocr's TextDetector feeds its model (limit_side_len 736, type min)."""
    from rapidocr_onnxruntime.ch_ppocr_det.utils import DetPreProcess
    return DetPreProcess(PAGE, "min", *MEAN_STD)(bgr(rgb))


def cls_input(rgb: np.ndarray) -> np.ndarray:
    """[3, 48, 192] as rapidocr's TextClassifier feeds its model."""
    from rapidocr_onnxruntime.ch_ppocr_cls.text_cls import TextClassifier
    return TextClassifier.resize_norm_img(SimpleNamespace(cls_image_shape=list(CLS_SHAPE)), bgr(rgb))


def rec_input(rgb: np.ndarray) -> np.ndarray:
    """[3, 48, 320] as rapidocr's TextRecognizer feeds its model (max_wh_ratio 320/48)."""
    from rapidocr_onnxruntime.ch_ppocr_rec.text_recognize import TextRecognizer
    _, h, w = REC_SHAPE
    return TextRecognizer.resize_norm_img(SimpleNamespace(rec_image_shape=list(REC_SHAPE)), bgr(rgb), w / h)


def pages(texts: list[str], fonts_: list[Path], n: int, seed: int) -> np.ndarray:
    """[n, 3, 736, 736] detector inputs; each page takes the next sentences of `texts`."""
    rng = np.random.default_rng(seed)
    per = len(texts) // max(n, 1)
    return np.concatenate([det_input(page_image(texts[i * per:(i + 1) * per], fonts_, rng)) for i in range(n)])


def lines(texts: list[str], fonts_: list[Path], n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """([n, 3, 48, 192] classifier inputs, every second one turned 180 degrees;
    [n, 3, 48, 320] recognizer inputs), one line from each of the first n texts."""
    rng = np.random.default_rng(seed)
    max_ratio = REC_SHAPE[2] / REC_SHAPE[1]
    cls, rec = [], []
    for i, text in enumerate(texts[:n]):
        words = text.split()[int(rng.integers(0, 3)):] or text.split()
        img = fitting_words(words, fonts_[i % len(fonts_)], max_ratio, rng)
        rec.append(rec_input(img))
        cls.append(cls_input(img[::-1, ::-1] if i % 2 else img))
    return np.stack(cls), np.stack(rec)
