"""Silero VAD's inputs: clips of espeak-ng speech (several English voices and speeds, sentences
separated by pauses) mixed with white, pink or brown noise at 20, 10 or 5 dB SNR, cut into the
model's [1, 576] windows (real_models.silero_windows). Calibration and evaluation clips use
different voices and sentences."""
from __future__ import annotations

import numpy as np

import real_models

CALIB_VOICES = ("en-us", "en-gb-scotland", "en-029")
EVAL_VOICES = ("en-gb", "en-gb-x-rp", "en-us+f3", "en-gb-x-gbcwmd")
NOISES = ("white", "pink", "brown")
SNRS_DB = (20.0, 10.0, 5.0)
RATE = real_models.SAMPLE_RATE


def colored_noise(n: int, kind: str, rng: np.random.Generator) -> np.ndarray:
    """Unit-RMS noise of `n` samples whose power falls as 1/f^0 (white), 1/f (pink) or 1/f^2
    (brown): white noise shaped in the frequency domain."""
    exponent = {"white": 0.0, "pink": 1.0, "brown": 2.0}[kind]
    spectrum = np.fft.rfft(rng.normal(size=n))
    f = np.fft.rfftfreq(n)
    f[0] = f[1] if n > 2 else 1.0
    x = np.fft.irfft(spectrum / f ** (exponent / 2), n)
    return x / np.sqrt(np.mean(x ** 2))


def mix_at_snr(clean: np.ndarray, noise: np.ndarray, snr_db: float, active: np.ndarray) -> np.ndarray:
    """clean + noise scaled so that the speech power (mean square over `active` samples) is
    `snr_db` above the noise power."""
    speech_power = np.mean(clean[active] ** 2)
    noise_power = np.mean(noise ** 2)
    return clean + noise * np.sqrt(speech_power / (noise_power * 10 ** (snr_db / 10)))


def clip(sentences: list[str], voice: str, rng: np.random.Generator) -> np.ndarray:
    """Sentences spoken by `voice` with 0.2-1.2 s pauses before, between and after, in noise:
    float32 at 16 kHz."""
    parts, active = [], []
    wpm = int(rng.integers(130, 200))
    for s in sentences:
        pause = np.zeros(int(rng.uniform(0.2, 1.2) * RATE))
        speech = real_models.espeak_16k(s, voice, wpm) * rng.uniform(0.3, 1.0)
        parts += [pause, speech]
        active += [np.zeros(len(pause), bool), np.abs(speech) > 1e-3]
    parts.append(np.zeros(int(rng.uniform(0.2, 1.2) * RATE)))
    active.append(np.zeros(len(parts[-1]), bool))
    clean, mask = np.concatenate(parts), np.concatenate(active)
    noise = colored_noise(len(clean), NOISES[int(rng.integers(len(NOISES)))], rng)
    return mix_at_snr(clean, noise, SNRS_DB[int(rng.integers(len(SNRS_DB)))], mask).astype(np.float32)


def clips(texts: list[str], voices: tuple[str, ...], n: int, seed: int, per_clip: int = 2) -> list[np.ndarray]:
    """`n` clips of [windows, 1, 576]; clip i speaks texts[i*per_clip:(i+1)*per_clip] in voice i mod len."""
    rng = np.random.default_rng(seed)
    return [real_models.silero_windows(clip(texts[i * per_clip:(i + 1) * per_clip], voices[i % len(voices)], rng))
            for i in range(n)]
