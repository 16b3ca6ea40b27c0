#!/usr/bin/env python3
"""Runs the hostile-input catalogue (cases.json, docs/bad_inputs.md) against an octet binary.

    python3 tests/bad_inputs/run_bad_inputs.py build-asan/bin/octet [--jobs N] [--only ID,...] [-v]

Each case runs in a fresh temp folder with a time limit and a memory limit, and passes when:
the exit status is the expected one; stderr holds every expected word (case-insensitive; a word may
be a list of alternatives; checked when the exit status is not 0) and, for exit 1, "octet: error:"; no signal killed octet and no sanitizer spoke ("AddressSanitizer",
"runtime error:", ...); its peak RSS stayed under the limit; the post-conditions hold (no output
written, inputs unchanged, no temp file left, a symlink's target untouched); and the catalogue's
own files are unchanged. Prints one line per failing case and "N passed, M failed"; exits 1 when
any case failed. Python's standard library only.

Memory: a plain build runs under RLIMIT_AS (--max-vm-mb, 4 GiB); an ASan build reserves terabytes of
address space, so there the limit is on resident memory only: the runner polls VmRSS and kills a
case past --max-rss-mb (a case may set its own), and checks the peak (wait4's ru_maxrss) after.
ASan runs with allocator_may_return_null=1: an allocation past the limit is refused, not granted.
"""
import argparse
import fnmatch
import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FILES = os.path.join(HERE, "files")
SANITIZER_WORDS = ["AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:",
                   "ThreadSanitizer", "terminate called", "Segmentation fault", "core dumped"]
ASAN_EXIT, UBSAN_EXIT = 86, 87


def is_sanitized(binary):
    """True when `binary` is built with ASan (it references __asan_init)."""
    needle, tail = b"__asan_init", b""
    with open(binary, "rb") as f:
        while chunk := f.read(1 << 24):
            if needle in tail + chunk:
                return True
            tail = chunk[-len(needle):]
    return False


def fill(value, tmp):
    return value.replace("{files}", FILES).replace("{tmp}", tmp).replace("{repo}", REPO)


def digest(path):
    if os.path.islink(path):
        return "link:" + os.readlink(path)
    if not os.path.exists(path):
        return "absent"
    if os.path.isdir(path):
        return "dir"
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def tree_digest(root):
    out = {}
    for d, dirs, names in os.walk(root):
        for n in dirs + names:
            p = os.path.join(d, n)
            out[os.path.relpath(p, root)] = digest(p)
    return out


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class Run:
    """One case in flight."""

    def __init__(self, case, args):
        self.case, self.opts = case, args
        self.tmp = tempfile.mkdtemp(prefix="octet_bad_")
        self.problems = []
        setup = case.get("setup", {})
        for src, name in setup.get("copy", []):
            dst = os.path.join(self.tmp, name)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(os.path.join(FILES, src), dst)
        for name, text in setup.get("write", []):
            dst = os.path.join(self.tmp, name)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "w") as f:
                f.write(text)
        for name, target in setup.get("symlink", []):
            os.symlink(target, os.path.join(self.tmp, name))
        self.plant = None
        if "plant_old_temp" in setup:
            out, target = setup["plant_old_temp"]
            self.plant = (fill(out, self.tmp), target)
        post = case.get("post", {})
        self.before = {fill(p, self.tmp): digest(fill(p, self.tmp)) for p in post.get("unchanged", [])}
        self.files_before = args.files_digest
        self.timeout = case.get("timeout_s", args.timeout)
        self.max_rss_kb = case.get("max_rss_mb", args.max_rss_mb) * 1024
        self.stdout = tempfile.TemporaryFile()
        self.stderr = tempfile.TemporaryFile()
        stdin = subprocess.DEVNULL
        if "stdin" in case:
            stdin = tempfile.TemporaryFile()
            stdin.write(case["stdin"].encode())
            stdin.seek(0)
        argv = [args.octet] + [fill(a, self.tmp) for a in case["args"]]
        self.start = time.monotonic()
        self.proc = subprocess.Popen(argv, stdin=stdin, stdout=self.stdout, stderr=self.stderr, cwd=REPO,
                                     env=args.env, preexec_fn=self.preexec, start_new_session=True)
        self.pid = self.proc.pid
        self.killed = None
        self.peak_kb = 0

    def preexec(self):  # in the child, before exec (the runner is single-threaded)
        if self.opts.max_vm_mb:
            limit = self.opts.max_vm_mb << 20
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        if self.plant:  # octet's pid stays the same through exec
            out, target = self.plant
            os.symlink(target, f"{out}.tmp.{os.getpid()}")

    def poll(self):
        """True once the process has ended (and was reaped)."""
        pid, status, usage = os.wait4(self.pid, os.WNOHANG)
        if pid == 0:
            kb = rss_kb(self.pid)
            self.peak_kb = max(self.peak_kb, kb)
            if kb > self.max_rss_kb:
                self.kill(f"killed at {kb // 1024} MiB resident (limit {self.max_rss_kb // 1024} MiB)")
            elif time.monotonic() - self.start > self.timeout:
                self.kill(f"killed after {self.timeout} s (time limit)")
            return False
        self.seconds = time.monotonic() - self.start
        self.peak_kb = max(self.peak_kb, usage.ru_maxrss)
        self.proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        return True

    def kill(self, why):
        if self.killed is None:
            self.killed = why
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def says(self, err, word):
        """Whether stderr says `word` (a string, or a list of equally good alternatives). The files
        are named after their problem (conv_stride0.onnx), and messages echo paths: a key word such as
        'stride' counts only outside the case's own paths; a word that is a file's name or a whole
        argument (the name of the file at fault, '--dim') is looked for anywhere."""
        args = [fill(a, self.tmp) for a in self.case["args"]]
        paths = {part for a in args for part in (a, a.split("=", 1)[-1]) if "/" in part}
        masked = err
        for path in sorted(paths, key=len, reverse=True):
            masked = masked.replace(path, "<path>")
        masked = masked.replace(FILES, "<dir>").replace(self.tmp, "<dir>").lower()
        names = {os.path.basename(p).lower() for p in paths} | {a.lower() for a in args}
        names |= {a.split("=", 1)[-1].lower() for a in args}
        for alt in [word] if isinstance(word, str) else word:
            if alt.lower() in (err.lower() if alt.lower() in names else masked):
                return True
        return False

    def judge(self):
        c, rc = self.case, self.proc.returncode
        self.stderr.seek(0)
        err = self.stderr.read().decode(errors="replace")
        self.err = err
        expected = c["exit"] if isinstance(c["exit"], list) else [c["exit"]]
        p = self.problems
        if self.killed:
            p.append(self.killed)
        elif rc < 0:
            p.append(f"killed by signal {signal.Signals(-rc).name}")
        elif rc not in expected:
            p.append(f"exit {rc}, expected {' or '.join(map(str, expected))}")
        if rc in (ASAN_EXIT, UBSAN_EXIT) or any(w in err for w in SANITIZER_WORDS):
            word = next((w for w in SANITIZER_WORDS if w in err), f"exit {rc}")
            p.append(f"sanitizer/crash report ({word})")
        if 1 in expected and rc == 1 and "octet: error:" not in err:
            p.append("no 'octet: error:' on stderr")
        missing = [w for w in c["words"] if not self.says(err, w)]
        if missing and rc != 0:
            p.append("stderr lacks " + ", ".join(repr(w) if isinstance(w, str) else " or ".join(map(repr, w))
                                                for w in missing))
        if self.peak_kb > self.max_rss_kb and not self.killed:
            p.append(f"peak RSS {self.peak_kb // 1024} MiB over the {self.max_rss_kb // 1024} MiB limit")
        post = c.get("post", {})
        for path in post.get("absent", []):
            if os.path.lexists(fill(path, self.tmp)):
                p.append(f"{fill(path, '{tmp}')} was written")
        for path in post.get("exists", []):
            f = fill(path, self.tmp)
            if not os.path.isfile(f) or os.path.islink(f):
                p.append(f"{path} is not a regular file afterwards")
        for path, before in self.before.items():
            if digest(path) != before:
                p.append(f"{path.replace(self.tmp, '{tmp}')} changed")
        for path, target in post.get("symlink", []):
            f = fill(path, self.tmp)
            if not os.path.islink(f) or os.readlink(f) != target:
                p.append(f"{path} is no longer a symlink to {target}")
        if self.plant:
            link = f"{self.plant[0]}.tmp.{self.pid}"
            if not os.path.islink(link) or os.readlink(link) != self.plant[1]:
                p.append("the symlink planted at the old temp name was replaced or removed")
        if "only" in post:
            left = sorted(os.listdir(self.tmp))
            if left != sorted(post["only"]):
                p.append(f"{{tmp}} holds {left}, expected {sorted(post['only'])}")
        after = tree_digest(FILES)
        if after != self.files_before:
            changed = sorted(k for k in set(after) | set(self.files_before) if after.get(k) != self.files_before.get(k))
            p.append(f"the catalogue's own files changed: {changed[:5]}")
        shutil.rmtree(self.tmp, ignore_errors=True)
        return not p


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("octet", help="the octet binary (an ASan/UBSan build in `make test`)")
    ap.add_argument("--cases", default=os.path.join(HERE, "cases.json"))
    ap.add_argument("--only", help="comma-separated case ids or globs (e.g. 'qconfig-*')")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="cases run at once")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per case unless it sets its own")
    ap.add_argument("--max-rss-mb", type=int, default=2048, help="resident memory per case unless it sets its own")
    ap.add_argument("--max-vm-mb", type=int, default=4096, help="RLIMIT_AS of a non-ASan build (0: none)")
    ap.add_argument("--sanitizer", choices=["auto", "yes", "no"], default="auto", help="is the binary an ASan build")
    ap.add_argument("--list", action="store_true", help="list the cases and counts, run nothing")
    ap.add_argument("-v", "--verbose", action="store_true", help="a line for every case, passed or not")
    args = ap.parse_args()

    with open(args.cases) as f:
        cases = json.load(f)["cases"]
    if args.only:
        pats = args.only.split(",")
        cases = [c for c in cases if any(fnmatch.fnmatch(c["id"], p) for p in pats)]
    if args.list:
        for c in cases:
            print(f"{c['id']:40} {c['verb']:9} {c['reads']:14} exit {c['exit']}  {c['why']}")
        for key in ("verb", "reads"):
            counts = {}
            for c in cases:
                counts[c[key]] = counts.get(c[key], 0) + 1
            print(f"by {key}: " + ", ".join(f"{k} {n}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1])))
        print(f"{len(cases)} cases")
        return 0

    args.octet = os.path.abspath(args.octet)
    if not os.access(args.octet, os.X_OK):
        print(f"run_bad_inputs: {args.octet} is not an executable", file=sys.stderr)
        return 2
    sanitized = args.sanitizer == "yes" or (args.sanitizer == "auto" and is_sanitized(args.octet))
    env = dict(os.environ)
    if sanitized:
        args.max_vm_mb = 0
        env["ASAN_OPTIONS"] = ":".join(filter(None, [
            f"detect_leaks=1:allocator_may_return_null=1:exitcode={ASAN_EXIT}:handle_segv=1:handle_sigfpe=1",
            os.environ.get("ASAN_OPTIONS", "")]))
        env["UBSAN_OPTIONS"] = ":".join(filter(None, [
            f"print_stacktrace=1:halt_on_error=1:exitcode={UBSAN_EXIT}", os.environ.get("UBSAN_OPTIONS", "")]))
        env["LSAN_OPTIONS"] = ":".join(filter(None, [f"exitcode={ASAN_EXIT}", os.environ.get("LSAN_OPTIONS", "")]))
    args.env = env
    args.files_digest = tree_digest(FILES)

    start = time.monotonic()
    pending, running, failed, passed = list(cases), [], [], 0
    while pending or running:
        while pending and len(running) < max(1, args.jobs):
            running.append(Run(pending.pop(0), args))
        time.sleep(0.02)
        for r in [r for r in running if r.poll()]:
            running.remove(r)
            ok = r.judge()
            c = r.case
            if ok:
                passed += 1
                if args.verbose:
                    first = next((l.strip() for l in r.err.splitlines() if l.strip()), "")
                    print(f"pass {c['id']} ({r.seconds:.1f} s, {r.peak_kb // 1024} MiB) exit {r.proc.returncode} "
                          f"| {first[:220]}", flush=True)
                continue
            failed.append(c["id"])
            lines = [l.strip() for l in r.err.splitlines() if l.strip()][:3]
            print(f"FAIL {c['id']} [{c['verb']}, {c['reads']}]: exit {r.proc.returncode}; " + "; ".join(r.problems) +
                  " | stderr: " + (" / ".join(l[:200] for l in lines) if lines else "(empty)"), flush=True)
    total = time.monotonic() - start
    build = "ASan/UBSan" if sanitized else "plain"
    print(f"{passed} passed, {len(failed)} failed ({len(cases)} hostile inputs, {build} build "
          f"{os.path.relpath(args.octet, REPO) if args.octet.startswith(REPO) else args.octet}, {total:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
