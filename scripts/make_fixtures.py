#!/usr/bin/env python3
"""Regenerates the committed test fixtures under tests/fixtures/ (see docs/fixtures.md).

Run in the tooling venv:  .venv/bin/python scripts/make_fixtures.py
Seeds are fixed and .npz members carry a fixed timestamp, so a re-run reproduces the files.
"""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fixtures import bad, models, verify  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def write_manifest(path: Path, manifest: dict):
    path.write_text(json.dumps(manifest, indent=2) + "\n")


def generate(out: Path):
    model_dir = out / "models"
    entries = models.write_all(model_dir)
    write_manifest(model_dir / "manifest.json", {"version": 1, "models": entries})

    bad_dir = out / "bad"
    write_manifest(bad_dir / "manifest.json",
                   {"version": 1, "files": bad.write_all(bad_dir, model_dir / "mlp_op17.onnx")})

    total = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"wrote {len(entries)} models and {bad_dir}; fixtures total {total / 1e6:.2f} MB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "fixtures",
                        help="fixture root (default: tests/fixtures)")
    parser.add_argument("--verify-only", action="store_true",
                        help="only re-check the fixtures on disk against their manifests")
    args = parser.parse_args()
    if not args.verify_only:
        generate(args.out)
    problems = verify.verify(args.out)
    for p in problems:
        print("FAIL", p)
    print(f"verify: {'FAILED' if problems else 'all fixtures as their manifests say'}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
