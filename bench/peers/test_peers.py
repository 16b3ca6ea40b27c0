"""Self-test of the harness's pure logic: `bash bench/peers/run.sh --self-test`.
No timing assertions: latencies here come from fake runners."""
from __future__ import annotations

import json
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

import engine_openvino
import harness
import interleave
import kernel_peers
import metrics
import report
import stats
import suite
import sysinfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import gemm_report  # noqa: E402  (bench/gemm_report.py, `make bench`)


class StatsTest(unittest.TestCase):
    def test_percentiles_match_numpy_linear_interpolation(self):
        xs = [5.0, 1.0, 4.0, 2.0, 3.0, 10.0, 7.5]
        for q in (0, 10, 50, 90, 100):
            self.assertAlmostEqual(stats.percentile(xs, q), float(np.percentile(xs, q)))
        self.assertEqual(stats.median([1.0, 3.0]), 2.0)

    def test_summary_and_ratio(self):
        s = stats.summarize([1.0, 2.0, 3.0, 4.0, 100.0])
        self.assertEqual((s["median_ms"], s["runs"]), (3.0, 5))
        self.assertAlmostEqual(s["p90_ms"], 61.6)
        self.assertEqual(stats.ratio(3.0, 1.5), 2.0)
        self.assertIsNone(stats.ratio(3.0, None))
        self.assertIsNone(stats.ratio(3.0, 0.0))

    def test_bad_input_raises(self):
        with self.assertRaises(ValueError):
            stats.median([])
        with self.assertRaises(ValueError):
            stats.percentile([1.0], 101)


class MetricsTest(unittest.TestCase):
    def test_top1(self):
        logits = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
        self.assertAlmostEqual(metrics.evaluate("top1", logits, labels=np.array([1, 0, 0])), 2 / 3)

    def test_cosine_rows(self):
        a = np.array([[1.0, 0.0], [0.0, 0.0], [2.0, 2.0]])
        b = np.array([[0.0, 3.0], [0.0, 0.0], [1.0, 1.0]])
        # orthogonal 0, both-zero 1, parallel 1
        self.assertAlmostEqual(metrics.cosine(a, b), 2 / 3)
        with self.assertRaises(ValueError):
            metrics.cosine(a, b[:2])

    def test_max_abs_diff(self):
        self.assertAlmostEqual(metrics.max_abs_diff(np.array([1.0, -2.0]), np.array([1.5, 1.0])), 3.0)

    def test_unknown_metric(self):
        with self.assertRaises(ValueError):
            metrics.evaluate("f1", np.zeros(1), reference=np.zeros(1))


class FakeRunner:
    def __init__(self, name, log, fail_after=None):
        self.name, self.log, self.fail_after, self.calls = name, log, fail_after, 0

    def run(self, k):
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise suite.Missing(f"{self.name} crashed")
        self.log.append((self.name, k))
        return [float(self.calls)] * k


class InterleaveTest(unittest.TestCase):
    def test_turns_alternate_after_warmup(self):
        log = []
        runners = {n: FakeRunner(n, log) for n in "ABC"}
        lat, failed = interleave.measure(runners, interleave.Schedule(warmup=4, rounds=2, per_turn=3, quiet_s=0, rewarm=0))
        self.assertEqual(failed, {})
        self.assertEqual(log, [("A", 4), ("B", 4), ("C", 4)] + [(n, 3) for n in "ABCABC"])
        self.assertEqual(lat["A"], [2.0] * 3 + [3.0] * 3)  # warm-up runs are not recorded

    def test_rewarm_runs_are_not_recorded(self):
        log = []
        runners = {n: FakeRunner(n, log) for n in "AB"}
        lat, _ = interleave.measure(runners, interleave.Schedule(warmup=1, rounds=2, per_turn=2, quiet_s=0, rewarm=1))
        self.assertEqual(log, [("A", 1), ("B", 1)] + [("A", 1), ("A", 2), ("B", 1), ("B", 2)] * 2)
        self.assertEqual(lat["A"], [3.0] * 2 + [5.0] * 2)

    def test_failing_runner_leaves_rotation(self):
        log = []
        runners = {"A": FakeRunner("A", log), "B": FakeRunner("B", log, fail_after=2)}
        lat, failed = interleave.measure(runners, interleave.Schedule(warmup=1, rounds=3, per_turn=1, quiet_s=0, rewarm=0))
        self.assertEqual(failed, {"B": "B crashed"})
        self.assertEqual(list(lat), ["A"])
        self.assertEqual(len(lat["A"]), 3)


def _row(engine, prec, threads, median, status="ok", reason=None, metric=0.99):
    r = {"engine": engine, "precision": prec, "threads": threads, "status": status, "reason": reason,
         "model_bytes": 2_000_000, "quant_s": 1.5 if prec == "int8" else None,
         "metric_value": metric if status == "ok" else None, "metric_note": None}
    if status == "ok":
        r.update(median_ms=median, p90_ms=median * 1.1, runs=10)
    return r


def _results(octet_int8_ok: bool) -> dict:
    rows = [_row("octet", "fp32", 1, 4.0), _row("onnxruntime", "fp32", 1, 2.0),
            _row("onnxruntime", "int8", 1, 1.0), _row("torch", "fp32", 1, 8.0)]
    rows.append(_row("octet", "int8", 1, 0.5) if octet_int8_ok else
                _row("octet", "int8", 1, None, "not available", "octet quantize failed: x"))
    meta = {"date": "2026-01-01 00:00 UTC", "command": "make bench-peers QUICK=1", "quick": True,
            "threads": [1], "python": "3.11", "wall_s": 1.0,
            "cpu": {"model": "Test CPU", "flags": ["avx2"], "logical_cpus": 2},
            "versions": {"octet": "abc", "onnxruntime": "1", "torch": "2"},
            "schedule": {"warmup": 1, "rounds": 2, "per_turn": 3}}
    return {"meta": meta, "kernels": {"status": "not available", "reason": "no module", "rows": []},
            "models": [{"name": "m", "title": "Model M", "metric": "cosine", "int8_mode": "static",
                        "status": "ok", "onnx": "m.onnx",
                        "variants": [{"label": "b1", "status": "ok", "foundation": True, "rows": rows}]},
                       {"name": "gone", "title": "Gone", "status": "not available", "reason": "no file"}]}


class ReportTest(unittest.TestCase):
    def test_ratios_against_octet_int8(self):
        md = report.render(_results(octet_int8_ok=True))
        self.assertIn("| onnxruntime | fp32 | 1 | 2 | 2.2 | 4.00× octet int8 | 0.99000 | 2 | — |  |", md)
        self.assertIn("| m b1 | 1 | 4 | 2 | 2.00× | missed |", md)
        self.assertIn("Not available: no file.", md)
        self.assertIn("Not available: no module.", md)
        self.assertIn("- Command: `make bench-peers QUICK=1`", md)
        self.assertIn("flags: avx2", md)

    def test_falls_back_to_octet_fp32_and_shows_reason(self):
        md = report.render(_results(octet_int8_ok=False))
        self.assertIn("| onnxruntime | fp32 | 1 | 2 | 2.2 | 0.50× octet fp32 |", md)
        self.assertIn("not available: octet quantize failed: x", md)

    def test_render_is_deterministic_and_json_safe(self):
        res = _results(True)
        self.assertEqual(report.render(res), report.render(json.loads(json.dumps(res))))

    def test_foundation_target(self):
        rows = [_row("octet", "fp32", 2, 3.0), _row("onnxruntime", "fp32", 2, 2.0)]
        table = "\n".join(report.foundation_table([{"name": "x", "variants": [
            {"label": "b1", "foundation": True, "rows": rows}]}]))
        self.assertIn("| x b1 | 2 | 3 | 2 | 1.50× | met |", table)


class SuiteTest(unittest.TestCase):
    def test_committed_suite_is_well_formed(self):
        models = suite.load_suite()
        names = [m.name for m in models]
        self.assertEqual(len(names), len(set(names)))
        for m in models:
            self.assertIn(m.metric, metrics.METRICS)
            self.assertIn(m.int8_mode, ("static", "dynamic"))
            self.assertIn(m.torch_recipe, (None, "from_onnx", "minilm", "suite"))
            self.assertIn(m.arch, ("cnn", "transformer", "rnn"))
        self.assertEqual({m.name for m in models if m.arch == "transformer"}, {"minilm", "deit_small", "bert_base"})

    def test_suite_entries_name_a_model_of_the_export_script(self):
        import importlib.util
        spec = importlib.util.spec_from_file_location("suite_models", suite.REPO / "scripts" / "suite_models.py")
        suite_models = importlib.util.module_from_spec(spec)
        sys.modules.setdefault("suite_models", suite_models)  # its dataclasses look their module up
        spec.loader.exec_module(sys.modules["suite_models"])
        suite_models = sys.modules["suite_models"]
        entries = [m for m in suite.load_suite() if m.torch_recipe == "suite"]
        self.assertGreaterEqual(len(entries), 7)
        for m in entries:
            self.assertIn(m.name, suite_models.SPECS)  # the torch recipe builds SPECS[name]
            self.assertEqual(m.entry["source"]["export"][2:4], ["export", m.name])

    def test_photo_crops_are_imagenet_normalized_and_seeded(self):
        a = suite.photo_crops([3, 3, 32, 48], np.random.default_rng(5))
        b = suite.photo_crops([3, 3, 32, 48], np.random.default_rng(5))
        self.assertEqual((a.shape, a.dtype), ((3, 3, 32, 48), np.float32))
        np.testing.assert_array_equal(a, b)
        # pixels in [0, 1] map to [-mean/std, (1-mean)/std] per channel
        lo = -np.array(suite.IMAGENET_MEAN) / suite.IMAGENET_STD
        hi = (1 - np.array(suite.IMAGENET_MEAN)) / suite.IMAGENET_STD
        self.assertTrue((a.min(axis=(0, 2, 3)) >= lo - 1e-5).all() and (a.max(axis=(0, 2, 3)) <= hi + 1e-5).all())
        self.assertGreater(float(a.std()), 0.3)  # photos, not a constant
        with self.assertRaises(suite.Missing):
            suite.photo_crops([1, 1, 8, 8], np.random.default_rng(0))

    def test_shapes_and_generated_inputs(self):
        import onnx
        from onnx import TensorProto, helper

        graph = helper.make_graph(
            [helper.make_node("Identity", ["ids"], ["y"])], "g",
            [helper.make_tensor_value_info("ids", TensorProto.INT64, ["batch", "seq"])],
            [helper.make_tensor_value_info("y", TensorProto.INT64, ["batch", "seq"])])
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "g.onnx"
            onnx.save(helper.make_model(graph), path)
            model = suite.Model("g", "g", {"metric": "cosine", "source": {},
                                           "generate": {"ids": {"randint": [5, 9]}}}, [])
            v = suite.Variant("b2", {"batch": 2, "@1": 7})
            feeds = suite.generated_feeds(model, path, v, 2, seed=3)
            again = suite.generated_feeds(model, path, v, 2, seed=3)
            self.assertEqual(feeds[0]["ids"].shape, (2, 7))
            self.assertEqual(feeds[0]["ids"].dtype, np.int64)
            self.assertTrue(((feeds[0]["ids"] >= 5) & (feeds[0]["ids"] < 9)).all())
            np.testing.assert_array_equal(feeds[1]["ids"], again[1]["ids"])
            with self.assertRaises(suite.Missing):
                suite.generated_feeds(model, path, suite.Variant("x", {}), 1, seed=0)

    def test_export_cache_is_redone_when_the_script_changes(self):
        with tempfile.TemporaryDirectory(dir=suite.REPO / "bench") as tmp:
            script = Path(tmp) / "export.py"
            script.write_text("import sys, pathlib; pathlib.Path(sys.argv[1]).write_text('a')\n")
            template = ["{python}", str(script.relative_to(suite.REPO)), "{out}"]
            first = suite.recipe_key(template)
            self.assertIn(str(script.relative_to(suite.REPO)) + " ", first)
            self.assertEqual(first, suite.recipe_key(template))
            script.write_text("# edited\n")
            self.assertNotEqual(first, suite.recipe_key(template))

    def test_missing_source_is_reported_not_raised_elsewhere(self):
        model = suite.Model("m", "m", {"metric": "top1", "source": {"path": "no/such.onnx"}}, [])
        with self.assertRaisesRegex(suite.Missing, "no/such.onnx does not exist yet"):
            suite.resolve_onnx(model)


FAKE_OCTET = """#!/bin/sh
# Stands in for `octet bench --serve`: the protocol only, no model.
echo '{"ready": true}'
while read k; do
  out=""; i=0
  while [ $i -lt $k ]; do out="$out${out:+, }0.5"; i=$((i + 1)); done
  echo "{\\"latencies_ms\\": [$out]}"
done
"""


class OctetServeTest(unittest.TestCase):
    def test_serve_protocol(self):
        import engine_octet
        with tempfile.TemporaryDirectory() as tmp:
            fake = Path(tmp) / "octet"
            fake.write_text(FAKE_OCTET)
            fake.chmod(0o755)
            saved = engine_octet.BINARY
            engine_octet.BINARY = fake
            try:
                runner = engine_octet.OctetRunner(Path(tmp) / "m.onnx", 1, {"x": np.zeros(2, np.float32)})
                self.assertEqual(runner.run(3), [0.5, 0.5, 0.5])
                runner.close()
            finally:
                engine_octet.BINARY = saved

    def test_error_line(self):
        import engine_octet
        self.assertEqual(engine_octet._first_error("octet: error: node 'a': bad\n"), "octet: error: node 'a': bad")
        self.assertEqual(engine_octet._first_error("unexpected: q\nRun with --help\n"), "unexpected: q")


class OpenVinoTest(unittest.TestCase):
    """bench/peers/engine_openvino.py: compile options and what the runtime model says."""

    def test_config_pins_threads_one_stream_latency_f32(self):
        self.assertEqual(engine_openvino.config(2), {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": 2,
                                                     "NUM_STREAMS": 1, "INFERENCE_PRECISION_HINT": "f32"})

    def test_int8_note_counts_int8_compute_layers(self):
        layers = [("Convolution", "u8")] * 3 + [("Convolution", "f32"), ("FullyConnected", "i8"),
                                                 ("Reorder", "u8"), ("Input", "f32")]
        counts = engine_openvino.layer_precisions(layers)
        self.assertEqual(set(counts), {"Convolution", "FullyConnected"})
        self.assertEqual(engine_openvino.precision_note(counts, int8=True),
                         "int8 in OpenVINO's runtime model: Convolution 3/4, FullyConnected 1/1")
        self.assertIn("no Convolution", engine_openvino.precision_note({}, int8=True))

    def test_fp32_note_only_when_a_compute_layer_is_not_f32(self):
        f32 = engine_openvino.layer_precisions([("Convolution", "f32"), ("MatMul", "f32")])
        self.assertEqual(engine_openvino.precision_note(f32, int8=False), "")
        bf16 = engine_openvino.layer_precisions([("Convolution", "f32"), ("Convolution", "bf16")])
        self.assertEqual(engine_openvino.precision_note(bf16, int8=False), "runtime precisions: Convolution bf16 1, f32 1")

    def test_int8_file_is_octets_else_orts(self):
        octet = harness.Artifact(Path("m.octet.int8.onnx"), 10, 1.0)
        ort = harness.Artifact(Path("m.ort.int8.onnx"), 20, 2.0)
        gone = harness.Artifact(reason="octet quantize failed: x")
        arts = {("octet", "int8"): octet, ("onnxruntime", "int8"): ort}
        got = harness.openvino_int8(arts)
        self.assertEqual((got.model, got.nbytes, got.quant_s, got.note), (octet.model, 10, None, "runs octet's int8 file"))
        got = harness.openvino_int8({**arts, ("octet", "int8"): gone})
        self.assertEqual(got.model, ort.model)
        self.assertEqual(got.note, "runs ORT's int8 file (octet's: octet quantize failed: x)")
        with self.assertRaisesRegex(suite.Missing, "needs octet's or ORT's int8 file"):
            harness.openvino_int8({("octet", "int8"): gone})


class QuantTimeTest(unittest.TestCase):
    def test_times_come_from_the_artifacts_without_ort(self):
        model = suite.Model("m", "m", {"metric": "cosine", "source": {}, "int8": "static"}, [])
        arts = {("octet", "int8"): harness.Artifact(Path("x"), 1, 2.5)}
        q = harness.quant_times(model, Path("m.onnx"), [{}] * 4, "", arts, ["octet"], ("Entropy",))
        self.assertEqual(q["octet"], {"seconds": 2.5, "reason": None})
        self.assertEqual(q["ort_MinMax"], {"seconds": None, "reason": "engine not run"})
        self.assertEqual(q["ort_Entropy"], {"seconds": None, "reason": "engine not run"})
        self.assertEqual(q["calib_samples"], 4)

    def test_table(self):
        static = {"mode": "static", "calib_samples": 16, "octet": {"seconds": 3.0, "reason": None},
                  "ort_MinMax": {"seconds": 4.0, "reason": None}, "ort_Entropy": {"seconds": 40.0, "reason": None},
                  "ort_Percentile": {"seconds": None, "reason": "MemoryError: "}}
        dynamic = {"mode": "dynamic", "calib_samples": None, "octet": {"seconds": 1.25, "reason": None},
                   "ort_dynamic": {"seconds": 2.0, "reason": None}}
        table = "\n".join(report.quant_table([{"name": "cnn", "status": "ok", "quant_times": static},
                                               {"name": "bert", "status": "ok", "quant_times": dynamic},
                                               {"name": "gone", "status": "not available"}]))
        self.assertIn("| model | int8 | calibration samples | octet s | ORT MinMax s | ORT Entropy s | ORT Percentile s |", table)
        self.assertIn("| cnn | static | 16 | 3 | 4 | 40 | not available: MemoryError:  |", table)
        self.assertIn("| bert | dynamic | — | 1.25 | 2 (quantize_dynamic) | — | — |", table)
        self.assertNotIn("gone", table)

    def test_row_note_and_metric_note_share_the_column(self):
        row = _row("openvino", "int8", 1, 1.0)
        row.update(note="runs octet's int8 file", metric_note="compared with its own fp32")
        self.assertTrue(report.variant_table("cosine", [row])[2].endswith(
            "| runs octet's int8 file; compared with its own fp32 |"))


VNNI_VERSION = ("octet 0.1.0\nkernels: avx512vnni (this CPU runs: ref avx2 avx512bw avx512vnni; "
                "OCTET_ISA=<path> forces one)\n")
AVX2_VERSION = "octet 0.1.0\nkernels: avx2 (this CPU runs: ref avx2; OCTET_ISA=<path> forces one)\n"

FAKE_OCTET_ENV = """#!/bin/sh
# Records the ISA variables it was started with, then serves like FAKE_OCTET.
echo "OCTET_ISA=$OCTET_ISA ONEDNN_MAX_CPU_ISA=$ONEDNN_MAX_CPU_ISA" >> "$(dirname "$0")/env.txt"
echo '{"ready": true}'
while read k; do echo '{"latencies_ms": [0.5]}'; done
"""


class OctetAvx2Test(unittest.TestCase):
    """The octet-avx2 engine: when a default run includes it, the environment it runs octet in, and
    that it runs octet's own files."""

    def test_kernel_paths_from_version(self):
        import engine_octet
        self.assertEqual(engine_octet.kernel_paths(VNNI_VERSION), ("avx512vnni", ["ref", "avx2", "avx512bw", "avx512vnni"]))
        self.assertEqual(engine_octet.kernel_paths("octet 0.1.0\n"), (None, []))
        self.assertEqual(engine_octet.best_path(["ref", "avx2", "avxvnni"]), "avxvnni")
        self.assertEqual(engine_octet.best_path(["avx512bw", "avxvnni"]), "avxvnni")  # dispatch.h's order

    def test_included_only_above_avx2(self):
        import engine_octet
        wanted = lambda text: engine_octet.avx2_rows_wanted(text)[0]  # noqa: E731
        self.assertTrue(wanted(VNNI_VERSION))
        self.assertTrue(wanted("kernels: avxvnni (this CPU runs: ref avx2 avxvnni; x)"))   # Alder Lake
        self.assertTrue(wanted("kernels: avx512bw (this CPU runs: ref avx2 avx512bw; x)"))  # Skylake-SP
        # OCTET_ISA=avx2 in the harness's own environment: the CPU's best path still decides
        self.assertTrue(wanted("kernels: avx2 (this CPU runs: ref avx2 avx512bw avx512vnni; x)"))
        self.assertFalse(wanted(AVX2_VERSION))                                   # an AVX2-only CPU
        self.assertFalse(wanted("kernels: ref (this CPU runs: ref; x)"))
        self.assertFalse(wanted("octet 0.1.0\n"))
        self.assertIn("avx2", engine_octet.avx2_rows_wanted(AVX2_VERSION)[1])

    def test_env_forces_octets_avx2_path_and_caps_onednn(self):
        import engine_octet
        base = {"PATH": "/bin", "OCTET_ISA": "avx512bw", "OMP_NUM_THREADS": "1"}
        env = engine_octet.avx2_env(base)
        self.assertEqual(env, {"PATH": "/bin", "OCTET_ISA": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "OMP_NUM_THREADS": "1"})
        self.assertEqual(base["OCTET_ISA"], "avx512bw")  # the caller's dict is left alone
        self.assertEqual(engine_octet.avx2_env()["ONEDNN_MAX_CPU_ISA"], "AVX2")

    def patched(self, version):
        import engine_octet
        saved = engine_octet.version_text
        engine_octet.version_text = lambda env=None: version(env) if callable(version) else version
        self.addCleanup(setattr, engine_octet, "version_text", saved)

    def test_default_engines(self):
        self.patched(VNNI_VERSION)
        engines, why = harness.default_engines()
        self.assertEqual(engines, list(harness.ENGINES) + ["octet-avx2"])
        self.assertIn("avx512vnni", why)
        self.patched(AVX2_VERSION)
        self.assertEqual(harness.default_engines()[0], list(harness.ENGINES))

        def missing(env):
            raise suite.Missing("build/bin/octet not built")
        self.patched(missing)
        engines, why = harness.default_engines()
        self.assertEqual((engines, why), (list(harness.ENGINES), "octet's kernel paths unknown (build/bin/octet not built)"))

    def test_runs_octets_own_files_without_a_second_quantization(self):
        self.patched(lambda env: "kernels: avx2 (this CPU runs: ref avx2 avx512vnni; x)" if env and env.get("OCTET_ISA") == "avx2"
                     else VNNI_VERSION)
        arts = {("octet", "fp32"): harness.Artifact(Path("m.onnx"), 100),
                ("octet", "int8"): harness.Artifact(Path("m.octet.int8.onnx"), 30, 2.5)}
        fp32, int8 = harness.octet_avx2(arts, "fp32"), harness.octet_avx2(arts, "int8")
        self.assertEqual((fp32.model, fp32.nbytes, fp32.quant_s), (Path("m.onnx"), 100, None))
        self.assertEqual((int8.model, int8.nbytes, int8.quant_s), (Path("m.octet.int8.onnx"), 30, None))
        self.assertIn("AVX2-only CPU", int8.note)
        self.assertIn("not emulated", int8.note)
        self.assertIn("runs octet's int8 file", int8.note)
        gone = {**arts, ("octet", "int8"): harness.Artifact(reason="octet quantize failed: x")}
        with self.assertRaisesRegex(suite.Missing, "runs octet's int8 file: octet quantize failed: x"):
            harness.octet_avx2(gone, "int8")
        with self.assertRaisesRegex(suite.Missing, "octet is not among --engines"):
            harness.octet_avx2({}, "fp32")

    def test_refused_when_octet_ignores_octet_isa(self):
        self.patched(VNNI_VERSION)  # an octet that still picks avx512vnni under OCTET_ISA=avx2
        with self.assertRaisesRegex(suite.Missing, "not avx2"):
            harness.octet_avx2({("octet", "fp32"): harness.Artifact(Path("m.onnx"), 100)}, "fp32")

    def test_runner_starts_octet_with_the_avx2_env(self):
        import engine_octet
        with tempfile.TemporaryDirectory() as tmp:
            fake = Path(tmp) / "octet"
            fake.write_text(FAKE_OCTET_ENV)
            fake.chmod(0o755)
            saved = engine_octet.BINARY
            engine_octet.BINARY = fake
            try:
                feed = {"x": np.zeros(2, np.float32)}
                for engine in ("octet", "octet-avx2"):
                    runner = harness.make_runner(engine, "int8", harness.Artifact(Path(tmp) / "m.onnx"), 1, feed, ["x"])
                    self.assertEqual(runner.run(1), [0.5])
                    runner.close()
            finally:
                engine_octet.BINARY = saved
            lines = (Path(tmp) / "env.txt").read_text().splitlines()
        self.assertEqual(lines[1], "OCTET_ISA=avx2 ONEDNN_MAX_CPU_ISA=AVX2")
        self.assertNotEqual(lines[0], lines[1])

    def test_engine_order_covers_every_engine(self):
        for engine in harness.ALL_ENGINES:
            for prec in harness.PRECISIONS:
                self.assertIn((engine, prec), harness.ENGINE_ORDER)
        order = harness.ENGINE_ORDER
        self.assertEqual(order[0], ("onnxruntime", "fp32"))  # the fidelity reference is scored first
        self.assertEqual(order.index(("octet-avx2", "int8")), order.index(("octet", "int8")) + 1)
        for engine in ("octet", "octet-avx2"):  # the engines that run octet's 7-bit-weight file
            self.assertIn((engine, harness.INT8_W7), order)


def _variant(rows, name="m", arch="cnn", label="b1"):
    return {"name": name, "status": "ok", "arch": arch, "variants": [{"label": label, "status": "ok", "rows": rows}]}


def _cells(table: list[str], first: str) -> list[str]:
    row = next(r for r in table if r.startswith(f"| {first} |"))
    return [c.strip() for c in row.split("|")[1:-1]]


class TargetsTest(unittest.TestCase):
    """report.targets_table: issue 19's targets from the measured medians."""

    def test_met_and_missed_with_their_numbers(self):
        rows = [_row("octet", "int8", 1, 1.0), _row("octet", "fp32", 1, 2.5), _row("onnxruntime", "int8", 1, 1.2),
                _row("openvino", "int8", 1, 1.5), _row("onnxruntime", "fp32", 1, 2.0), _row("torch", "int8", 1, 3.0)]
        table = report.targets_table([_variant(rows)], {})
        self.assertIn("| model | threads | ORT int8 / octet int8 (≥ 1.3×) | OpenVINO int8 / octet int8 (≥ 1.0×) | "
                      "octet fp32 / octet int8 (≥ 2.0× cnn, ≥ 1.5× transformer) | octet fp32 / ORT fp32 (≤ 1.1×) |", table)
        self.assertEqual(_cells(table, "m b1"), ["m b1", "1", "1.20× missed", "1.50× met", "2.50× met (≥ 2.0×, cnn)",
                                                 "1.25× missed"])
        self.assertNotIn("octet-avx2", "\n".join(table))  # no AVX2 columns without its rows

    def test_transformer_target_and_no_target_and_missing_medians(self):
        rows = [_row("octet", "int8", 2, 1.0), _row("octet", "fp32", 2, 1.6), _row("onnxruntime", "fp32", 2, 1.6),
                _row("onnxruntime", "int8", 2, None, "not available", "x")]
        table = report.targets_table([_variant(rows, "bert", "transformer"), _variant(rows, "vad", "rnn"),
                                      _variant(rows, "old", None)], {})
        bert = _cells(table, "bert b1")
        self.assertEqual(bert[2:], ["not measured (no ORT int8 median)", "not measured (no OpenVINO int8 median)",
                                    "1.60× met (≥ 1.5×, transformer)", "1.00× met"])
        self.assertEqual(_cells(table, "vad b1")[4], "1.60× (no target: rnn)")
        self.assertEqual(_cells(table, "old b1")[4], "1.60× (no target: no arch in bench/models.json)")

    def test_a_ratio_that_rounds_to_the_target_shows_another_digit(self):
        rows = [_row("octet", "int8", 1, 1.0), _row("onnxruntime", "int8", 1, 1.2996)]
        self.assertEqual(_cells(report.targets_table([_variant(rows)], {}), "m b1")[2], "1.300× missed")

    def test_avx2_columns_from_octet_avx2_rows(self):
        rows = [_row("octet", "int8", 1, 1.0), _row("octet", "fp32", 1, 2.5), _row("octet-avx2", "int8", 1, 1.6),
                _row("octet-avx2", "fp32", 1, 3.0), _row("onnxruntime", "int8", 1, 2.0),
                _row("openvino", "int8", 1, 1.5), _row("torch", "int8", 1, 4.0), _row("octet-avx2", "int8-w7", 1, 1.0)]
        table = report.targets_table([_variant(rows)], {"octet_kernels": VNNI_VERSION.splitlines()[1]})
        self.assertIn("octet-avx2 fp32 / octet-avx2 int8 (> 1×) | fastest peer int8 (native) / octet-avx2 int8 (> 1×) |"
                      " octet-avx2 fp32 / octet-avx2 int8-w7 (> 1×) | fastest peer int8 (native) / octet-avx2 int8-w7"
                      " (> 1×) |", table[0])
        self.assertEqual(_cells(table, "m b1")[-4:], ["1.88× met", "0.94× missed (vs OpenVINO)", "3.00× met",
                                                      "1.50× met (vs OpenVINO)"])
        no_ov = [r for r in rows if r["engine"] != "openvino" and r["precision"] != "int8-w7"]
        self.assertEqual(_cells(report.targets_table([_variant(no_ov)], {}), "m b1")[-3:],
                         ["1.25× met (vs ORT; no OpenVINO int8 median)", "not measured (no octet-avx2 int8-w7 median)",
                          "not measured (no octet-avx2 int8-w7 median)"])

    def test_avx2_columns_from_octets_rows_on_an_avx2_only_cpu(self):
        rows = [_row("octet", "int8", 1, 1.0), _row("octet", "fp32", 1, 2.5), _row("torch", "int8", 1, 4.0)]
        avx2_cpu = {"octet_kernels": AVX2_VERSION.splitlines()[1]}
        self.assertIn("octet fp32 / octet int8 (> 1×)", report.targets_table([_variant(rows)], avx2_cpu)[0])
        self.assertEqual(_cells(report.targets_table([_variant(rows)], avx2_cpu), "m b1")[-3],
                         "4.00× met (vs PyTorch; no ORT or OpenVINO int8 median)")
        forced = {"octet_kernels": "kernels: avx2 (this CPU runs: ref avx2 avx512vnni; x)"}  # not an AVX2-only CPU
        self.assertNotIn("(> 1×)", report.targets_table([_variant(rows)], forced)[0])

    def test_variant_table_has_a_ratio_to_octet_avx2_where_its_rows_exist(self):
        rows = [_row("octet", "int8", 1, 1.0), _row("octet-avx2", "int8", 1, 2.0), _row("onnxruntime", "int8", 1, 3.0)]
        table = report.variant_table("cosine", rows)
        self.assertIn("| latency ratio | ratio to octet-avx2 |", table[0])
        self.assertTrue(table[3].startswith("| octet-avx2 | int8 | 1 | 2 | 2.2 | 2.00× octet int8 | 1.00× octet-avx2 int8 |"))
        self.assertTrue(table[4].startswith("| onnxruntime | int8 | 1 | 3 | 3.3 | 3.00× octet int8 | 1.50× octet-avx2 int8 |"))
        self.assertNotIn("octet-avx2", report.variant_table("cosine", rows[:1])[0])

    def test_header_says_what_octet_avx2_emulates(self):
        res = _results(True)
        res["meta"].update(octet_kernels=VNNI_VERSION.splitlines()[1],
                           octet_avx2={"included": True, "why": "this CPU's best octet path is avx512vnni",
                                       "env": {"OCTET_ISA": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2"}})
        md = report.render(res)
        self.assertIn("OCTET_ISA=avx2 ONEDNN_MAX_CPU_ISA=AVX2, emulating an AVX2-only CPU", md)
        self.assertIn("ONNX Runtime, PyTorch and OpenVINO are not emulated", md)
        self.assertIn("## Targets (issue 19: real models run fast)", md)
        res["meta"]["octet_avx2"] = {"included": False, "why": "this CPU's best octet path is avx2"}
        self.assertIn("No octet-avx2 rows: this CPU's best octet path is avx2.", report.render(res))


class SysinfoTest(unittest.TestCase):
    def test_cpuinfo_parsing(self):
        info = sysinfo.cpu("processor\t: 0\nmodel name\t: Xeon\nflags\t\t: fpu avx2 avx512f avx512bw\n\n"
                           "processor\t: 1\nmodel name\t: other\n")
        self.assertEqual(info["model"], "Xeon")
        self.assertEqual(info["flags"], ["avx2", "avx512f", "avx512bw"])

    def test_amd_core_generation(self):
        def model(family, number):
            return sysinfo.cpu(f"vendor_id\t: AuthenticAMD\ncpu family\t: {family}\nmodel\t\t: {number}\n"
                               "model name\t: AMD EPYC\n")["model"]
        self.assertEqual(model(25, 17), "AMD EPYC (family 25 model 17, Zen 4)")
        self.assertEqual(model(25, 1), "AMD EPYC (family 25 model 1, Zen 3)")
        self.assertEqual(model(26, 2), "AMD EPYC (family 26 model 2, Zen 5)")
        intel = sysinfo.cpu("vendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\nmodel name\t: Xeon\n")
        self.assertEqual(intel["model"], "Xeon (family 6 model 85)")


class KernelNotesTest(unittest.TestCase):
    """bench/peers/kernel_peers.py: each GEMM row says what its op computes."""

    def notes(self, vnni):
        real = kernel_peers._has_vnni
        kernel_peers._has_vnni = lambda: vnni
        try:
            return kernel_peers.notes()
        finally:
            kernel_peers._has_vnni = real

    def test_matmulinteger_is_marked_int32_on_every_cpu(self):
        for vnni in (True, False):
            self.assertIn("int32 output", self.notes(vnni)[("onnxruntime", "MatMulInteger")])
            self.assertIn("what MatMulInteger computes", self.notes(vnni)[("octet", "qgemm_u8s8_int32")])
        self.assertNotIn(("onnxruntime", "QLinearMatMul"), self.notes(True))
        self.assertIn("saturates", self.notes(False)[("onnxruntime", "QLinearMatMul")])
        self.assertIn("saturates", self.notes(False)[("onnxruntime", "MatMulInteger")])


class GemmReportTest(unittest.TestCase):
    """bench/gemm_report.py: Google Benchmark names to arguments, and the targets it marks."""

    def bench(self, name, gops, pct):
        return {"name": name, "GOPS": gops, "pct_peak": pct, "label": "k"}

    def test_arguments_and_families(self):
        self.assertEqual(gemm_report.args_of("BM_qgemm_u8s8/M:1024/N:1024/K:1024/threads:1/min_time:0.200/real_time"),
                         {"M": 1024, "N": 1024, "K": 1024, "threads": 1})
        fam = gemm_report.by_family({"benchmarks": [self.bench("BM_sgemm_f32/M:8/N:8/K:8/threads:2/real_time", 1, 1)]})
        self.assertIn((8, 8, 8, 2), fam["BM_sgemm_f32"])

    def test_repetitions_keep_the_fastest_and_skip_aggregates(self):
        name = "BM_qgemm_u8s8/M:8/N:8/K:8/threads:1/real_time"
        fam = gemm_report.by_family({"benchmarks": [
            {**self.bench(name, 5.0, 50.0), "run_type": "iteration"},
            {**self.bench(name, 7.0, 70.0), "run_type": "iteration"},
            {**self.bench(name, 6.0, 60.0), "run_type": "iteration"},
            {**self.bench(name + "_mean", 9.0, 90.0), "run_type": "aggregate"}]})
        self.assertEqual(fam["BM_qgemm_u8s8"][(8, 8, 8, 1)]["pct_peak"], 70.0)

    def test_targets_only_on_large_single_threaded_squares(self):
        fam = gemm_report.by_family({"benchmarks": [
            self.bench("BM_qgemm_u8s8/M:1024/N:1024/K:1024/threads:1/real_time", 300.0, 90.0),
            self.bench("BM_sgemm_f32/M:1024/N:1024/K:1024/threads:1/real_time", 100.0, 50.0),
            self.bench("BM_qgemm_u8s8/M:2048/N:2048/K:2048/threads:1/real_time", 200.0, 80.0),
            self.bench("BM_sgemm_f32/M:2048/N:2048/K:2048/threads:1/real_time", 100.0, 50.0),
            self.bench("BM_qgemm_u8s8/M:512/N:512/K:512/threads:1/real_time", 10.0, 1.0)]})
        rows = gemm_report.gemm_table(fam)[2:]  # sorted: squares by size
        self.assertTrue(rows[0].startswith("| 512 x") and rows[0].rstrip().endswith("|  |"))  # 512: no target
        self.assertIn("peak met; 3x fp32 met", rows[1])
        self.assertIn("peak not met; 3x fp32 not met", rows[2])

    def test_dequant_column_only_where_measured(self):
        fam = gemm_report.by_family({"benchmarks": [
            self.bench("BM_qgemm_u8s8/M:128/N:384/K:384/threads:1/real_time", 400.0, 80.0),
            self.bench("BM_qgemm_u8s8_dequant/M:128/N:384/K:384/threads:1/real_time", 350.0, 70.0),
            self.bench("BM_qgemm_u8s8/M:3136/N:256/K:64/threads:1/real_time", 300.0, 70.0)]})
        cells = [[c.strip() for c in row.split("|")[1:-1]] for row in gemm_report.gemm_table(fam)[2:]]
        self.assertEqual([(c[0], c[5]) for c in cells], [("128 x 384 x 384", "350.0"), ("3136 x 256 x 64", "-")])

    def test_rows_sorted_by_threads_then_squares_then_shape(self):
        names = ["M:128/N:384/K:384/threads:1", "M:256/N:256/K:256/threads:2", "M:1/N:384/K:384/threads:1",
                 "M:256/N:256/K:256/threads:1"]
        fam = gemm_report.by_family({"benchmarks": [self.bench(f"BM_qgemm_u8s8/{n}/real_time", 1.0, 1.0)
                                                    for n in names]})
        firsts = [row.split("|")[1].strip() + " t" + row.split("|")[2].strip() for row in gemm_report.gemm_table(fam)[2:]]
        self.assertEqual(firsts, ["256 x 256 x 256 t1", "1 x 384 x 384 t1", "128 x 384 x 384 t1", "256 x 256 x 256 t2"])

    def test_peak_rates_name_only_the_probed_instructions(self):
        both = {"avx512vnni_dpbusd_GMACs": 474.4, "avx512vnni_MAC_per_cycle": 131.1,
                "avx512bw_madd_GMACs": 206.9, "avx512bw_MAC_per_cycle": 57.2}
        self.assertEqual(gemm_report.peak_rates(both),
                         "474 GMAC/s = 131.1 MAC/cycle with vpdpbusd; 207 GMAC/s = 57.2 MAC/cycle with vpmaddwd + vpaddd")
        no_vnni = {**both, "avx512vnni_dpbusd_GMACs": 0}
        self.assertEqual(gemm_report.peak_rates(no_vnni), "207 GMAC/s = 57.2 MAC/cycle with vpmaddwd + vpaddd")
        self.assertEqual(gemm_report.peak_rates({}), "no AVX-512 multiply-add probe for this CPU")


if __name__ == "__main__":
    unittest.main()
