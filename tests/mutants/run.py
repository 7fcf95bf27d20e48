#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""run.py - apply each deliberate bug of mutants.txt and run the suite

For each entry of the list, alone: change the file in a scratch copy of the
tree, rebuild, and run the tests in order (unit tests first, they are
fastest) until one fails.  The entry is then "caught" by that test; if the
whole suite passes it "survived".  Before any entry the unmutated copy must
build and pass, or nothing can be concluded.  Every test has a time limit:
a mutant that makes a test hang is caught by that test's timeout.

    run.py [--only NAME,...] [--keep] [--jobs N] --tests "T1 T2 ..." SRCDIR

Exit status: 0 when every entry was caught, 1 when one survived, did not
build, or is stale (its lines are no longer in the file), 2 on a broken
setup.  Nothing outside the scratch directory is changed.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

UNIT_TIMEOUT = 120
OTHER_TIMEOUT = 600


class Mutant:
    def __init__(self, name):
        self.name = name
        self.what = ""
        self.file = ""
        self.old = []
        self.new = []


def parse(path):
    """Read the list; exit 2 with FILE:LINE on a malformed entry."""
    mutants, cur, part = [], None, None
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for no, line in enumerate(lines, 1):
        if line.startswith("== "):
            cur = Mutant(line[3:].strip())
            mutants.append(cur)
            part = None
            continue
        if cur is None:
            if line and not line.startswith("#"):
                sys.exit(f"{path}:{no}: text before the first entry")
            continue
        if part is None and line.startswith("what: "):
            cur.what = line[6:]
        elif part is None and line.startswith("file: "):
            cur.file = line[6:]
        elif line == "---":
            part = cur.old
        elif line == "+++":
            part = cur.new
        elif part is not None:
            part.append(line)
        elif line:
            sys.exit(f"{path}:{no}: unexpected line in {cur.name}")
    for m in mutants:
        while m.new and not m.new[-1]:
            m.new.pop()
        while m.old and not m.old[-1]:
            m.old.pop()
        if not (m.what and m.file and m.old):
            sys.exit(f"{path}: entry {m.name} lacks what:, file: or ---")
    names = [m.name for m in mutants]
    if len(set(names)) != len(names):
        sys.exit(f"{path}: an entry name is used twice")
    return mutants


def apply(text, m):
    """The mutated text, or None if the old lines are not there once."""
    old = "\n".join(m.old) + "\n"
    if text.count(old) != 1:
        return None
    new = "\n".join(m.new) + "\n" if m.new else ""
    return text.replace(old, new)


def sh(cmd, cwd, log, timeout=None, env=None):
    """Run @cmd, output appended to @log; True on exit status 0."""
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"$ {' '.join(cmd)}\n")
        out.flush()
        try:
            r = subprocess.run(cmd, cwd=cwd, stdout=out,
                               stderr=subprocess.STDOUT, timeout=timeout,
                               env=env, start_new_session=True)
        except subprocess.TimeoutExpired:
            out.write(f"timed out after {timeout} s\n")
            return False
    return r.returncode == 0


def source_files(src):
    """Files of the tree: git's view (committed or not) or all of it."""
    try:
        out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"],
                             cwd=src, check=True, capture_output=True,
                             text=True).stdout
        return [f for f in out.split("\n") if f]
    except (OSError, subprocess.CalledProcessError):
        return None


def copy_tree(src, dst):
    files = source_files(src)
    if files is None:
        shutil.copytree(src, dst, dirs_exist_ok=True)
        return
    for f in files:
        if not os.path.isfile(os.path.join(src, f)):
            continue
        os.makedirs(os.path.dirname(os.path.join(dst, f)), exist_ok=True)
        shutil.copy2(os.path.join(src, f), os.path.join(dst, f))


def run_suite(work, tests, log):
    """Run @tests in order; the first that fails, or None if none."""
    env = dict(os.environ, TUNNAT=f"{work}/src/tunnat", TOP_SRCDIR=work,
               TOP_BUILDDIR=work, CK_VERBOSITY="silent")
    for t in tests:
        path = os.path.join(work, t)
        unit = t.startswith("tests/unit/")
        cmd = [path] if unit else ["/bin/sh", path]
        limit = UNIT_TIMEOUT if unit else OTHER_TIMEOUT
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"--- {t}\n")
        start = time.monotonic()
        ok = sh(cmd, work, log, timeout=limit, env=env)
        if not ok:
            took = time.monotonic() - start
            return t + (" (timeout)" if took >= limit else "")
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--list", default=None)
    ap.add_argument("--only", default="")
    ap.add_argument("--tests", required=True)
    ap.add_argument("--jobs", default=str(os.cpu_count() or 1))
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("src")
    a = ap.parse_args()
    src = os.path.abspath(a.src)
    mutants = parse(a.list or os.path.join(src, "tests/mutants/mutants.txt"))
    if a.only:
        want = set(a.only.split(","))
        mutants = [m for m in mutants if m.name in want]
        if len(mutants) != len(want):
            sys.exit("run.py: --only names an entry that does not exist")
    tests = a.tests.split()
    tests = ([t for t in tests if t.startswith("tests/unit/")] +
             [t for t in tests if not t.startswith("tests/unit/")])

    stale = [m for m in mutants
             if apply(open(os.path.join(src, m.file), encoding="utf-8")
                      .read(), m) is None]
    for m in stale:
        print(f"STALE: {m.name}: its lines are not in {m.file} exactly once")

    work = tempfile.mkdtemp(prefix="tunnat-mutants.")
    log = os.path.join(work, "mutants.log")
    print(f"scratch copy in {work}; building")
    copy_tree(src, work)
    for cmd in (["./autogen.sh"],
                ["./configure", "--enable-werror", "--sysconfdir=/etc"],
                ["make", "-j", a.jobs],
                ["make", "-j", a.jobs] + [f"{t}" for t in tests
                                          if t.startswith("tests/unit/")],
                # what the tests need besides (check_DATA: faultshim.so)
                ["make", "-j", a.jobs, "check", "TESTS="]):
        if not sh(cmd, work, log):
            print(f"the unmutated copy does not build: see {log}")
            return 2
    failed = run_suite(work, tests, log)
    if failed:
        print(f"the unmutated copy fails {failed}: see {log}")
        return 2

    results = []
    for m in mutants:
        if m in stale:
            results.append((m, "STALE", 0.0))
            continue
        path = os.path.join(work, m.file)
        with open(path, encoding="utf-8") as f:
            orig = f.read()
        start = time.monotonic()
        with open(path, "w", encoding="utf-8") as f:
            f.write(apply(orig, m))
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"=== {m.name}\n")
        built = sh(["make", "-j", a.jobs] + [t for t in tests
                                             if t.startswith("tests/unit/")]
                   + ["src/tunnat"], work, log)
        if not built:
            verdict = "DID NOT BUILD"
        else:
            caught = run_suite(work, tests, log)
            verdict = f"caught by {caught}" if caught else "SURVIVED"
        with open(path, "w", encoding="utf-8") as f:
            f.write(orig)
        took = time.monotonic() - start
        results.append((m, verdict, took))
        print(f"{m.name:32} {verdict} ({took:.0f} s)", flush=True)

    print()
    print(f"{'mutant':32} {'result':44} what it breaks")
    for m, verdict, _ in results:
        print(f"{m.name:32} {verdict:44} {m.what}")
    bad = [r for r in results if not r[1].startswith("caught")]
    print(f"\n{len(results) - len(bad)} of {len(results)} caught")
    if a.keep or bad:
        print(f"log: {log}")
    if not a.keep and not bad:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
