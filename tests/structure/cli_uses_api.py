#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The command line and the self-test runner are clients of libvmm's public header only.

Every #include of a file in src/cli and src/selftest must name a system header
or a file under include/vmm (vmm.h, bootinfo.h), src/common, src/cli or
src/selftest: never the library's internals.

  cli_uses_api.py SOURCE_ROOT [--self-test]

Prints TAP: one test point per file checked (with --self-test: the check on
made-up trees, that it passes a clean one and catches each kind of bad include).
"""
import os
import re
import sys
import tempfile

CHECKED = ("src/cli", "src/selftest")
ALLOWED = ("include/vmm", "src/common", "src/cli", "src/selftest")
SEARCH = ("include", "src")  # the build's include directories (meson.build: inc)
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def resolve(root, src_dir, kind, name):
    """The tree file an #include names, relative to root; None for a system header."""
    dirs = ([src_dir] if kind == '"' else []) + [os.path.join(root, d) for d in SEARCH]
    for d in dirs:
        path = os.path.normpath(os.path.join(d, name))
        if os.path.isfile(path):
            return os.path.relpath(path, root)
    return None


def allowed(rel):
    return any(rel == a or rel.startswith(a + "/") for a in ALLOWED)


def file_problems(root, rel):
    """What is wrong with the includes of one file: a list of messages."""
    problems = []
    path = os.path.join(root, rel)
    with open(path, encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            kind, name = m.groups()
            target = resolve(root, os.path.dirname(path), kind, name)
            if target is None:
                if kind == '"':
                    problems.append(f"{rel}:{lineno}: #include \"{name}\" is no file of the tree")
                continue
            if not allowed(target):
                problems.append(f"{rel}:{lineno}: #include {kind}{name}{'>' if kind == '<' else kind} "
                                f"is {target}, outside {', '.join(ALLOWED)}: use include/vmm/vmm.h")
    return problems


def checked_files(root):
    out = []
    for d in CHECKED:
        for base, _, names in os.walk(os.path.join(root, d)):
            for n in sorted(names):
                if n.endswith((".c", ".h")):
                    out.append(os.path.relpath(os.path.join(base, n), root))
    return sorted(out)


def check(root):
    files = checked_files(root)
    if not files:
        print("Bail out! no C file in " + " or ".join(CHECKED) + " under " + root)
        return 1
    print(f"1..{len(files)}")
    bad = 0
    for i, rel in enumerate(files, 1):
        problems = file_problems(root, rel)
        if problems:
            bad += 1
            print(f"not ok {i} - {rel}")
            for p in problems:
                print("#   " + p)
        else:
            print(f"ok {i} - {rel}")
    return 1 if bad else 0


def make_tree(top, files):
    for rel, text in files.items():
        path = os.path.join(top, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


BASE = {
    "include/vmm/vmm.h": "",
    "include/vmm/bootinfo.h": "",
    "src/common/err.h": "",
    "src/pmu/plan.h": "",
    "src/vmm/run/vm.h": "",
    "src/vmm/api/api_internal.h": "",
    "src/selftest/selftest.h": '#include "common/err.h"\n',
    "src/cli/cli.h": '#include "vmm/vmm.h"\n#include <stdio.h>\n',
}

# (name, the file added to BASE, how many problems it must give)
CASES = [
    ("clean", {"src/cli/main.c": '#include "cli/cli.h"\n#include "vmm/bootinfo.h"\n'
                                 '#include <vmm/vmm.h>\n#include <errno.h>\n#include "common/err.h"\n'
                                 '#include "selftest/selftest.h"\n#include "cli.h"\n'}, 0),
    ("internal header", {"src/cli/cmd.c": '#include "pmu/plan.h"\n'}, 1),
    ("internal header with spaces", {"src/cli/cmd.c": '  #  include   "vmm/run/vm.h"\n'}, 1),
    ("internal header in angle brackets", {"src/cli/cmd.c": "#include <vmm/api/api_internal.h>\n"}, 1),
    ("relative path out of the folder", {"src/cli/cmd.c": '#include "../pmu/plan.h"\n'}, 1),
    ("self-test runner", {"src/selftest/run.c": '#include "vmm/run/vm.h"\n#include "pmu/plan.h"\n'}, 2),
    ("header in the checked folder", {"src/selftest/x.h": '#include "vmm/api/api_internal.h"\n'}, 1),
    ("include of no file", {"src/cli/cmd.c": '#include "nowhere.h"\n'}, 1),
]


def self_test():
    print(f"1..{len(CASES)}")
    failed = 0
    for i, (name, extra, want) in enumerate(CASES, 1):
        with tempfile.TemporaryDirectory() as top:
            make_tree(top, {**BASE, **extra})
            got = sum(len(file_problems(top, rel)) for rel in checked_files(top))
        if got == want:
            print(f"ok {i} - {name}: {want} problem(s)")
        else:
            failed += 1
            print(f"not ok {i} - {name}: {got} problem(s), want {want}")
    return 1 if failed else 0


def main(argv):
    if len(argv) not in (2, 3) or (len(argv) == 3 and argv[2] != "--self-test"):
        print(__doc__, file=sys.stderr)
        return 2
    return self_test() if len(argv) == 3 else check(argv[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
