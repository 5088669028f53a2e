#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The VM core reaches the software PMU only through the vCPU PMU hooks.

No file in src/vmm/run, src/vmm/kvm, src/vmm/boot, src/vmm/hw or src/vmm/api
includes a header of the engine (src/vmm/softpmu) or of its model
(src/pmu/soft): the engine attaches itself through src/vmm/run/vcpu_pmu.h.

  softpmu_behind_hooks.py SOURCE_ROOT [--self-test]

Prints TAP: one test point per file checked (with --self-test: the check on
made-up trees).
"""
import os
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_uses_api import INCLUDE, make_tree, resolve  # noqa: E402

CORE = ("src/vmm/run", "src/vmm/kvm", "src/vmm/boot", "src/vmm/hw", "src/vmm/api")
ENGINE = ("src/vmm/softpmu", "src/pmu/soft")


def file_problems(root, rel):
    problems = []
    path = os.path.join(root, rel)
    with open(path, encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = resolve(root, os.path.dirname(path), *m.groups())
            if target and any(target.startswith(e + "/") for e in ENGINE):
                problems.append(f"{rel}:{lineno}: includes {target}: the VM core reaches the software "
                                "PMU through src/vmm/run/vcpu_pmu.h only")
    return problems


def core_files(root):
    out = []
    for d in CORE:
        for base, _, names in os.walk(os.path.join(root, d)):
            out += [os.path.relpath(os.path.join(base, n), root) for n in names if n.endswith((".c", ".h"))]
    return sorted(out)


def check(root):
    files = core_files(root)
    if not files:
        print("Bail out! no C file in " + ", ".join(CORE) + " under " + root)
        return 1
    print(f"1..{len(files)}")
    bad = 0
    for i, rel in enumerate(files, 1):
        problems = file_problems(root, rel)
        bad += bool(problems)
        print(f"{'not ok' if problems else 'ok'} {i} - {rel}")
        for p in problems:
            print("#   " + p)
    return 1 if bad else 0


BASE = {
    "src/vmm/run/vcpu_pmu.h": '#include "pmu/plan.h"\n',
    "src/pmu/plan.h": "",
    "src/pmu/soft/softpmu.h": "",
    "src/vmm/softpmu/engine.h": '#include "pmu/soft/softpmu.h"\n',
    "src/vmm/softpmu/hooks.c": '#include "vmm/run/vcpu_pmu.h"\n#include "vmm/softpmu/engine.h"\n',
}

CASES = [
    ("clean", {"src/vmm/run/vcpu.c": '#include "vmm/run/vcpu_pmu.h"\n#include <linux/kvm.h>\n'}, 0),
    ("the engine's header", {"src/vmm/run/vm.c": '#include "vmm/softpmu/engine.h"\n'}, 1),
    ("the model's header", {"src/vmm/api/api_run.c": '#include "pmu/soft/softpmu.h"\n'}, 1),
    ("a relative path", {"src/vmm/run/vm.c": '#include "../softpmu/engine.h"\n'}, 1),
    ("from a header", {"src/vmm/run/vcpu.h": '# include <vmm/softpmu/engine.h>\n'}, 1),
]


def self_test():
    print(f"1..{len(CASES)}")
    failed = 0
    for i, (name, extra, want) in enumerate(CASES, 1):
        with tempfile.TemporaryDirectory() as top:
            make_tree(top, {**BASE, **extra})
            got = sum(len(file_problems(top, rel)) for rel in core_files(top))
        failed += got != want
        print(f"{'ok' if got == want else 'not ok'} {i} - {name}: {got} problem(s), want {want}")
    return 1 if failed else 0


def main(argv):
    if len(argv) not in (2, 3) or (len(argv) == 3 and argv[2] != "--self-test"):
        print(__doc__, file=sys.stderr)
        return 2
    return self_test() if len(argv) == 3 else check(argv[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
