"""The accuracy suite's pure functions (bench/accuracy/): scores, verdicts and tables, how samples
are drawn and mixed. No models, no network."""
from __future__ import annotations

import sys
import unittest
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
for sub in ("bench/accuracy", "bench", "scripts"):
    sys.path.insert(0, str(ROOT / sub))
import files  # noqa: E402
import models  # noqa: E402
import norms  # noqa: E402
import ocr  # noqa: E402
import scores  # noqa: E402
import speech  # noqa: E402
import table  # noqa: E402


class ScoresTest(unittest.TestCase):
    def test_cosine_scores_a_broken_row_as_zero(self):
        ref = np.array([[1.0, 0.0], [0.0, 2.0]])
        self.assertAlmostEqual(scores.cosine(ref, np.array([[3.0, 0.0], [0.0, 1.0]])), 1.0)
        self.assertAlmostEqual(scores.cosine(ref, np.array([[3.0, 0.0], [np.nan, 1.0]])), 0.5)
        self.assertEqual(scores.cosine(ref, np.full((2, 2), np.inf)), 0.0)
        with self.assertRaises(ValueError):
            scores.cosine(ref, ref[:1])

    def test_argmax_agreement_over_every_position(self):
        ref = np.array([[[0.9, 0.1], [0.2, 0.8]], [[0.6, 0.4], [0.3, 0.7]]])  # 2 samples x 2 steps
        got = ref.copy()
        got[1, 0] = [0.1, 0.9]
        self.assertEqual(scores.argmax_agreement(ref, got), 75.0)

    def test_threshold_agreement(self):
        ref, got = np.array([0.1, 0.4, 0.6, 0.9]), np.array([0.2, 0.6, 0.7, 0.29])
        self.assertEqual(scores.threshold_agreement(ref, got, 0.3), 75.0)
        self.assertEqual(scores.threshold_agreement(ref, got, 0.5), 50.0)

    def test_sequence_cosine_per_sequence(self):
        ref = [np.array([1.0, 0.0, 1.0]), np.array([1.0, 1.0])]
        got = [np.array([2.0, 0.0, 2.0]), np.array([1.0, -1.0])]
        self.assertAlmostEqual(scores.sequence_cosine(ref, got), 0.5)
        with self.assertRaises(ValueError):
            scores.sequence_cosine(ref, got[:1])

    def test_goal_boundaries(self):
        self.assertTrue(scores.meets_goal(0.98, 95.0))
        self.assertFalse(scores.meets_goal(0.9799, 99.0))
        self.assertFalse(scores.meets_goal(0.999, 94.99))
        self.assertTrue(scores.meets_goal(0.99, None))  # no decision to agree on: the cosine alone


def rows(octet, *peers, flags=()):
    return ([table.Row("octet static (default)", "octet", *octet, 1.0)] +
            [table.Row(label, "peer", c, a, 1.0) for label, c, a in peers] +
            [table.Row(label, "octet flag", c, a, 1.0) for label, c, a in flags])


class VerdictTest(unittest.TestCase):
    def test_most_accurate_needs_both_numbers(self):
        v = table.verdict(rows((0.99, 97.0), ("ORT MinMax", 0.98, 96.0)))
        self.assertEqual((v["most_accurate"], v["goal"], v["fix"]), ("yes", True, None))
        v = table.verdict(rows((0.99, 97.0), ("ORT MinMax", 0.98, 98.0), ("NNCF", 0.97, 90.0)))
        self.assertEqual(v["most_accurate"], "no: ORT MinMax 0.9800 / 98.00 %")

    def test_best_octet_default_and_the_flag_that_fixes_it(self):
        r = rows((0.5, 40.0), ("ORT", 0.1, 5.0),
                 flags=[("octet static --observer percentile", 0.9, 80.0), ("octet static --observer mse", 0.99, 99.0)])
        r.insert(1, table.Row("octet dynamic (default)", "octet", 0.7, 60.0, 2.0))
        v = table.verdict(r)
        self.assertEqual(v["octet"].label, "octet dynamic (default)")
        self.assertEqual((v["most_accurate"], v["goal"]), ("yes", False))
        self.assertEqual(v["fix"].label, "octet static --observer mse")

    def test_rows_without_agreement(self):
        r = [table.Row("octet dynamic (default)", "octet", 0.99, None, 1.0), table.Row("ORT", "peer", 0.95, None, 1.0)]
        v = table.verdict(r)
        self.assertEqual((v["most_accurate"], v["goal"]), ("yes", True))
        r[1].cosine = 0.995
        self.assertEqual(table.verdict(r)["most_accurate"], "no: ORT 0.9950 / - %")

    def test_failed_rows(self):
        v = table.verdict([table.Row("octet static (default)", "octet", reason="crashed"),
                           table.Row("ORT", "peer", 0.9, 90.0, 1.0)])
        self.assertEqual((v["octet"], v["goal"]), (None, False))
        self.assertEqual(table.verdict(rows((0.99, 99.0)))["most_accurate"], "yes (no peer ran)")


class TableTest(unittest.TestCase):
    class Study:
        key, title, samples, agreement, notes = "m", "Model M", "10 / 20 things", "same class", ["Cosine: of x"]

    def test_summary_and_model_table(self):
        r = rows((0.5, 40.0), ("ORT", 0.6, 45.0), flags=[("octet static --observer mse", 0.7, 50.0)])
        r.append(table.Row("torch.ao static (x86)", "peer", reason="no converter | for Shape"))
        line = table.summary([(self.Study, r)])[2]
        self.assertEqual(line, "| m | octet static (default) | 0.5000 | 40.00 | no: ORT 0.6000 / 45.00 % | no | "
                               "none found (tried `--observer mse`) |")
        text = "\n".join(table.model_table(self.Study, r))
        self.assertIn("Agreement: same class. Cosine: of x.", text)
        self.assertIn("| octet static (default) | 0.5000 | 40.00 | 1.0 | missed |", text)
        self.assertIn("| torch.ao static (x86) | not run: no converter / for Shape | | | |", text)

    def test_cpu_line(self):
        cpu = {"model": "AMD EPYC (family 25 model 1, Zen 3)", "flags": ["avx", "avx2", "fma"], "logical_cpus": 2}
        self.assertEqual(table.cpu_line(cpu), "AMD EPYC (family 25 model 1, Zen 3), 2 vCPUs, AVX2")
        self.assertEqual(table.cpu_line({"flags": ["avx512f", "avx2"]}), "?, ? vCPUs, AVX-512")


class SamplesTest(unittest.TestCase):
    def test_diverse_pick_goes_round_robin_over_suffixes(self):
        paths = [Path(f"/a/{i}.py") for i in range(50)] + [Path("/b/x.so"), Path("/b/y.so"), Path("/c/README")]
        picked = files.diverse_pick(paths, 6, seed=1)
        self.assertEqual(len(picked), 6)
        self.assertEqual(sorted(files.kind(p) for p in picked[:3]), ["", ".py", ".so"])
        self.assertEqual(sorted(map(files.kind, picked)).count(".so"), 2)
        self.assertEqual(picked, files.diverse_pick(paths, 6, seed=1))
        self.assertEqual(len(files.diverse_pick(paths[:3], 10, seed=0)), 3)  # fewer files than asked

    def test_split_is_disjoint(self):
        paths = [Path(f"/d/{i}{s}") for i in range(40) for s in (".txt", ".bin")]
        calib, evaluation = files.split(paths, 20, 30, seed=3)
        self.assertEqual((len(calib), len(evaluation)), (20, 30))
        self.assertFalse(set(calib) & set(evaluation))

    def test_fonts_split_apart(self):
        fonts = [Path(f"/f/{c}.ttf") for c in "abcde"]
        calib, evaluation = ocr.split_fonts(fonts)
        self.assertEqual((len(calib), len(evaluation)), (3, 2))
        self.assertFalse(set(calib) & set(evaluation))
        with self.assertRaises(SystemExit):
            ocr.split_fonts(fonts[:1])

    def test_colored_noise_slopes(self):
        rng = np.random.default_rng(0)
        for kind, low_over_high in (("white", (0.5, 2)), ("pink", (5, 1e3)), ("brown", (1e3, 1e9))):
            x = speech.colored_noise(1 << 14, kind, rng)
            self.assertAlmostEqual(float(np.sqrt(np.mean(x ** 2))), 1.0)
            p = np.abs(np.fft.rfft(x)) ** 2
            ratio = p[1:100].mean() / p[-2000:].mean()
            self.assertTrue(low_over_high[0] < ratio < low_over_high[1], (kind, ratio))

    def test_mix_at_snr(self):
        rng = np.random.default_rng(1)
        clean = np.concatenate([np.zeros(1000), rng.normal(0, 0.5, 4000)])
        active = np.arange(5000) >= 1000
        noise = rng.normal(0, 1, 5000)
        mixed = speech.mix_at_snr(clean, noise, 10.0, active)
        n = mixed - clean
        self.assertAlmostEqual(10 * np.log10(np.mean(clean[active] ** 2) / np.mean(n ** 2)), 10.0)

    def test_layernorm_nodes(self):
        nodes = [("Conv", "c"), ("ReduceMean", "m1"), ("Constant", "k"), ("Sub", "s"), ("Pow", "p"),
                 ("ReduceMean", "m2"), ("Add", "e"), ("Sqrt", "r"), ("Div", "d"), ("Mul", "g"), ("Add", "b"),
                 ("ReduceMean", "x"), ("Sub", "y")]
        self.assertEqual(norms.runs(nodes, norms.PADDLE_LAYERNORM), ["m1", "s", "p", "m2", "e", "r", "d", "g", "b"])
        self.assertEqual(norms.named([("Mul", "net/LayerNorm_0/Mul"), ("Mul", "net/Dense/Mul")], "/LayerNorm_"),
                         ["net/LayerNorm_0/Mul"])

    def test_calib_batches_are_equal(self):
        b = models.calib_batches(np.arange(103), "x", 25)
        self.assertEqual([len(f["x"]) for f in b], [25] * 4)
        self.assertEqual([len(f["x"]) for f in models.batches(np.arange(103), "x", 25)], [25] * 4 + [3])


if __name__ == "__main__":
    unittest.main()
