#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The architecture rules of the source tree (docs/structure.md).

    check.py SOURCE_ROOT RULE...

Each RULE is checked on the files under SOURCE_ROOT; every violation is
printed with its file and line, and the exit status is 1 when there was one.
`check.py SOURCE_ROOT --self-test` checks the checks on small made-up trees.
"""
import os
import re
import sys
import tempfile

# Directories whose code may drive /dev/kvm directly: test harnesses that
# compare the VMM against plain KVM (tests/interp/kvm_guest.c) and baselines
# that measure plain KVM (bench/minivm.c) must not share the code they check.
IOCTL_EXEMPT_DIRS = ('tests/', 'fuzz/', 'bench/')
# The KVM layer's one call of ioctl(): kvm_ioctl_once().
IOCTL_ALLOWED_FILES = ('src/vmm/kvm/kvm.c',)


def strip_c(text):
    """C source with comments and string/char literals blanked, newlines kept."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r'[^\n]', ' ', text[i:j]))
            i = j
        elif text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            out.append(' ' * (j - i))
            i = j
        elif c in '"\'':
            j = i + 1
            while j < n and text[j] != c and text[j] != '\n':
                j += 2 if text[j] == '\\' else 1
            j = min(j + 1, n)
            out.append(c + ' ' * max(0, j - i - 2) + (c if j - i >= 2 else ''))
            i = j
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def c_files(root, under=None):
    """Relative paths of the C sources and headers under root (or root/under)."""
    top = os.path.join(root, under) if under else root
    found = []
    for d, dirs, files in os.walk(top):
        # Skip hidden directories and meson build trees inside the source tree.
        dirs[:] = sorted(x for x in dirs if not x.startswith('.') and
                         not os.path.exists(os.path.join(d, x, 'meson-private')))
        for f in sorted(files):
            if f.endswith(('.c', '.h')):
                found.append(os.path.relpath(os.path.join(d, f), root).replace(os.sep, '/'))
    return found


def read(root, rel):
    with open(os.path.join(root, rel), encoding='utf-8', errors='replace') as f:
        return f.read()


def line_of(text, pos):
    return text.count('\n', 0, pos) + 1


def check_ioctl(root):
    """ioctl() is called only by the KVM layer, in one wrapper."""
    bad = []
    for rel in c_files(root):
        if rel.startswith(IOCTL_EXEMPT_DIRS) or rel in IOCTL_ALLOWED_FILES:
            continue
        code = strip_c(read(root, rel))
        for m in re.finditer(r'(?<![\w.>])ioctl\s*\(', code):
            bad.append('%s:%d: ioctl() outside the KVM layer (use kvm_ioctl() of src/vmm/kvm/kvm.h)'
                       % (rel, line_of(code, m.start())))
    return bad


RULES = {
    'ioctl': check_ioctl,
}


def write_tree(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)


# (rule, files of a made-up tree, how many violations the rule must report)
SELF_TESTS = [
    ('ioctl', {'src/pmu/probe.c': 'int f(int fd) { return ioctl(fd, 1, 0); }\n'}, 1),
    ('ioctl', {'src/vmm/run/vcpu.c': 'int f(int fd) { return ioctl (fd, 1, 0) + ioctl(fd, 2, 0); }\n'}, 2),
    ('ioctl', {'src/vmm/kvm/kvm.c': 'int f(int fd) { return ioctl(fd, 1, 0); }\n',
               'tests/interp/kvm_guest.c': 'int g(int fd) { return ioctl(fd, 1, 0); }\n',
               'bench/minivm.c': 'int g(int fd) { return ioctl(fd, 1, 0); }\n',
               'src/pmu/apply.c': '/* not ioctl(): */ int f(int fd) { return kvm_ioctl(fd, 1, 0) + '
                                  'vmm_err_ioctl(0, "ioctl(", 1, 0); }\n'}, 0),
]


def self_test():
    failed = 0
    for i, (rule, files, want) in enumerate(SELF_TESTS, 1):
        with tempfile.TemporaryDirectory() as root:
            write_tree(root, files)
            got = RULES[rule](root)
        ok = len(got) == want
        failed += not ok
        print('%s %d - %s: %d violations, want %d%s' % ('ok' if ok else 'not ok', i, rule, len(got), want,
                                                     ''.join('\n# ' + g for g in got)))
    print('1..%d' % len(SELF_TESTS))
    return 1 if failed else 0


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    root = argv[1]
    if argv[2] == '--self-test':
        return self_test()
    status = 0
    for rule in argv[2:]:
        if rule not in RULES:
            print('unknown rule %s (rules: %s)' % (rule, ', '.join(RULES)), file=sys.stderr)
            return 2
        bad = RULES[rule](root)
        for b in bad:
            print(b)
        print('%s: %s (%d violations)' % (rule, 'FAIL' if bad else 'ok', len(bad)))
        status |= 1 if bad else 0
    return status


if __name__ == '__main__':
    sys.exit(main(sys.argv))
