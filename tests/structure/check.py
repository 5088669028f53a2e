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
    """Relative paths of the C sources and headers under root (or under root/DIR for each DIR of under,
    a directory or a tuple of them)."""
    tops = [root] if under is None else [os.path.join(root, u) for u in
                                         ((under,) if isinstance(under, str) else under)]
    found = []
    for top in tops:
        for d, dirs, files in os.walk(top):
            # Skip hidden directories and meson build trees inside the source tree.
            dirs[:] = sorted(x for x in dirs if not x.startswith('.') and
                             not os.path.exists(os.path.join(d, x, 'meson-private')))
            for f in sorted(files):
                if f.endswith(('.c', '.h')):
                    found.append(os.path.relpath(os.path.join(d, f), root).replace(os.sep, '/'))
    return found


def is_under(rel, dirs):
    """rel is one of dirs or inside one of them."""
    return any(rel == d or rel.startswith(d + '/') for d in dirs)


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


# An #include line: "name" or <name>, in the raw text (whitespace as the preprocessor takes it).
INCLUDE_RE = re.compile(r'^[^\S\n]*#[^\S\n]*include[^\S\n]*(?:"([^"\n]+)"|<([^>\n]+)>)', re.M)


def includes(root, rel):
    """The #include lines of one file: (line, '"' or '<', name, the file of the tree it names relative to
    root, or None for a header outside the tree). The compiler's order: for "name", the including file's
    directory, then -I include -I src (meson.build: inc); for <name>, those two only."""
    text = read(root, rel)
    found = []
    for m in INCLUDE_RE.finditer(text):
        kind, name = ('"', m.group(1)) if m.group(1) is not None else ('<', m.group(2))
        target = None
        for base in ((os.path.dirname(rel),) if kind == '"' else ()) + ('include', 'src'):
            cand = os.path.normpath(os.path.join(base, name)).replace(os.sep, '/')
            if os.path.isfile(os.path.join(root, cand)):
                target = cand
                break
        found.append((line_of(text, m.start()), kind, name, target))
    return found


def folder_of(rel):
    """src/vmm/X/... and src/pmu/X/...: vmm/X, pmu/X; src/Y/...: Y."""
    parts = rel.split('/')[1:-1]
    if len(parts) >= 2 and parts[0] in ('vmm', 'pmu'):
        return '/'.join(parts[:2])
    return parts[0] if parts else '.'


def include_graph(root):
    """{file: {included file: line}} for the quoted includes between files of src/."""
    graph = {}
    for rel in c_files(root, 'src'):
        edges = graph.setdefault(rel, {})
        for line, kind, _, target in includes(root, rel):
            if kind == '"' and target is not None and target.startswith('src/'):
                edges.setdefault(target, line)
    return graph


def reach(graph, start):
    """Shortest paths from start: {node: predecessor}."""
    pred, todo = {}, [start]
    while todo:
        nxt = []
        for u in todo:
            for v in sorted(graph.get(u, ())):
                if v not in pred:
                    pred[v] = u
                    nxt.append(v)
        todo = nxt
    return pred


def cycles(graph):
    """Each strongly connected component with a cycle: (its nodes, one shortest cycle through it)."""
    nodes = sorted(set(graph) | {v for e in graph.values() for v in e})
    preds = {u: reach(graph, u) for u in nodes}
    seen, found = set(), []
    for u in nodes:
        if u in seen or u not in preds[u]:
            continue
        comp = {v for v in nodes if v in preds[u] and u in preds[v]}
        seen |= comp
        # The shortest cycle through u: back from u along the predecessors.
        path, v = [u], preds[u][u]
        while v != u:
            path.append(v)
            v = preds[u][v]
        path.append(u)
        found.append((comp, list(reversed(path))))
    return found


def check_includes(root):
    """No include cycle between the files of src/ nor between its folders."""
    files = include_graph(root)
    bad = []
    for _, path in cycles(files):
        bad.append('file include cycle: ' + ' -> '.join(
            '%s:%d' % (a, files[a][b]) for a, b in zip(path, path[1:])) + ' -> ' + path[-1])
    folders, why = {}, {}
    for a, edges in files.items():
        for b, line in edges.items():
            fa, fb = folder_of(a), folder_of(b)
            if fa != fb:
                folders.setdefault(fa, set()).add(fb)
                why.setdefault((fa, fb), '%s:%d includes %s' % (a, line, b))
    for _, path in cycles(folders):
        bad.append('folder include cycle: %s (%s)' % (
            ' -> '.join(path), '; '.join(why[(a, b)] for a, b in zip(path, path[1:]))))
    return bad


def include_violations(root, dirs, violation):
    """violation(file, line, kind, name, target) -> a message or None, over every #include (see includes())
    of the C files under dirs. A tree without any is a violation: the rule would check nothing."""
    files = c_files(root, dirs)
    if not files:
        return ['no C file in %s under %s' % (', '.join(dirs), root)]
    return [v for rel in files for inc in includes(root, rel) for v in [violation(rel, *inc)] if v]


# The command line and the self-test runner are clients of libvmm's public
# headers only: what they include is a system header or a file of these folders.
CLI_API_DIRS = ('src/cli', 'src/selftest')
CLI_API_ALLOWED = ('include/vmm', 'src/common', 'src/cli', 'src/selftest')


def cli_api_violation(rel, line, kind, name, target):
    if target is None:
        return '%s:%d: #include "%s" is no file of the tree' % (rel, line, name) if kind == '"' else None
    if is_under(target, CLI_API_ALLOWED):
        return None
    return '%s:%d: #include %s%s%s is %s, outside %s: use include/vmm/vmm.h' % (
        rel, line, kind, name, '>' if kind == '<' else kind, target, ', '.join(CLI_API_ALLOWED))


def check_cli_api(root):
    """src/cli and src/selftest include only include/vmm, src/common and their own folders."""
    return include_violations(root, CLI_API_DIRS, cli_api_violation)


# The VM core, and the software PMU (its engine and its model), which the core
# reaches only through the vCPU PMU hooks of src/vmm/run/vcpu_pmu.h.
SOFTPMU_CORE_DIRS = ('src/vmm/run', 'src/vmm/kvm', 'src/vmm/boot', 'src/vmm/hw', 'src/vmm/api')
SOFTPMU_DIRS = ('src/vmm/softpmu', 'src/pmu/soft')


def softpmu_hooks_violation(rel, line, kind, name, target):
    if target is None or not is_under(target, SOFTPMU_DIRS):
        return None
    return ('%s:%d: includes %s: the VM core reaches the software PMU through src/vmm/run/vcpu_pmu.h only'
            % (rel, line, target))


def check_softpmu_hooks(root):
    """No file of the VM core includes a header of src/vmm/softpmu or src/pmu/soft."""
    return include_violations(root, SOFTPMU_CORE_DIRS, softpmu_hooks_violation)


# The one header of the MSR indexes and the CR0/CR4/EFER bits, and the
# macro names only it may define.
X86_HEADER = 'src/common/x86.h'
X86_DEFINE_RE = re.compile(r'^[ \t]*#[ \t]*define[ \t]+((?:MSR|CR0|CR4|EFER|X86_CR\d)_\w*)', re.M)


def check_x86_constants(root):
    """MSR indexes and control-register bits are defined once, in src/common/x86.h."""
    bad = []
    for rel in c_files(root):
        if rel == X86_HEADER:
            continue
        code = strip_c(read(root, rel))
        for m in X86_DEFINE_RE.finditer(code):
            bad.append('%s:%d: #define %s outside %s (include "common/x86.h")'
                       % (rel, line_of(code, m.start()), m.group(1), X86_HEADER))
    return bad


# The top-level directories a path in the documentation starts from.
DOC_TOP_DIRS = ('src', 'include', 'tests', 'fuzz', 'bench', 'guest-images', 'examples', 'tools', 'docs', 'man')
DOC_PATH_RE = re.compile(r'(?<![\w./-])((?:%s)/[\w./*{},-]*[\w*}])' % '|'.join(map(re.escape, DOC_TOP_DIRS)))
DOC_LINK_RE = re.compile(r'\]\(([^)\s#]+)(?:#[^)]*)?\)')


def doc_files(root):
    docs = os.path.join(root, 'docs')
    names = sorted(f for f in os.listdir(docs) if f.endswith('.md')) if os.path.isdir(docs) else []
    return [r for r in ['README.md'] + ['docs/' + f for f in names] if os.path.isfile(os.path.join(root, r))]


def brace_expand(path):
    m = re.search(r'\{([^{}]*)\}', path)
    if not m:
        return [path]
    return [x for alt in m.group(1).split(',') for x in brace_expand(path[:m.start()] + alt + path[m.end():])]


def path_exists(root, path, placeholders=True):
    """path, relative to root, names something: a glob (*) matches; with placeholders, so does a word in
    capitals (TARGET, TARGET.dict) when no file has the name itself; a program (bench/step-baseline) is
    named by its source (bench/step-baseline.c)."""
    if placeholders and os.path.isfile(os.path.join(root, path + '.c')):
        return True
    parts = [p for p in path.rstrip('/').split('/') if p not in ('', '.')]
    dirs = [root]
    for part in parts:
        nxt = []
        pat = re.escape(part)
        if placeholders:
            pat = re.sub(r'[A-Z][A-Z_]+', '.+', pat)
        pat = re.compile(pat.replace(r'\*', '.*'))
        for d in dirs:
            if os.path.exists(os.path.join(d, part)):
                nxt.append(os.path.join(d, part))
            elif os.path.isdir(d):
                nxt += [os.path.join(d, n) for n in sorted(os.listdir(d)) if pat.fullmatch(n)]
        dirs = nxt
    return bool(dirs)


def check_doc_paths(root):
    """Every file of the tree that README.md and docs/*.md name exists."""
    bad = []
    for rel in doc_files(root):
        text = read(root, rel)
        named = []
        for m in DOC_PATH_RE.finditer(text):
            named += [(line_of(text, m.start()), p, True) for p in brace_expand(m.group(1))]
        for m in DOC_LINK_RE.finditer(text):
            if not re.match(r'[a-z]+:', m.group(1)):	# not http:, https:, mailto:
                p = os.path.normpath(os.path.join(os.path.dirname(rel), m.group(1))).replace(os.sep, '/')
                named.append((line_of(text, m.start()), p, False))
        # A path both named and linked is checked once, as a link (no placeholders).
        checks = {}
        for line, p, placeholders in named:
            checks[(line, p)] = checks.get((line, p), True) and placeholders
        for (line, p), placeholders in sorted(checks.items()):
            if not path_exists(root, p, placeholders):
                bad.append('%s:%d: %s does not exist' % (rel, line, p))
    return bad


RULES = {
    'ioctl': check_ioctl,
    'includes': check_includes,
    'x86-constants': check_x86_constants,
    'doc-paths': check_doc_paths,
    'cli-api': check_cli_api,
    'softpmu-hooks': check_softpmu_hooks,
}


def write_tree(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)


# The trees the cli-api and softpmu-hooks cases add their files to.
CLI_API_BASE = {
    'include/vmm/vmm.h': '',
    'include/vmm/bootinfo.h': '',
    'src/common/err.h': '',
    'src/pmu/plan.h': '',
    'src/vmm/run/vm.h': '',
    'src/vmm/api/api_internal.h': '',
    'src/selftest/selftest.h': '#include "common/err.h"\n',
    'src/cli/cli.h': '#include "vmm/vmm.h"\n#include <stdio.h>\n',
}
SOFTPMU_BASE = {
    'src/vmm/run/vcpu_pmu.h': '#include "pmu/plan.h"\n',
    'src/pmu/plan.h': '',
    'src/pmu/soft/softpmu.h': '',
    'src/vmm/softpmu/engine.h': '#include "pmu/soft/softpmu.h"\n',
    'src/vmm/softpmu/hooks.c': '#include "vmm/run/vcpu_pmu.h"\n#include "vmm/softpmu/engine.h"\n',
}

# (rule, files of a made-up tree, how many violations the rule must report)
SELF_TESTS = [
    ('ioctl', {'src/pmu/probe.c': 'int f(int fd) { return ioctl(fd, 1, 0); }\n'}, 1),
    ('ioctl', {'src/vmm/run/vcpu.c': 'int f(int fd) { return ioctl (fd, 1, 0) + ioctl(fd, 2, 0); }\n'}, 2),
    ('ioctl', {'src/vmm/kvm/kvm.c': 'int f(int fd) { return ioctl(fd, 1, 0); }\n',
               'tests/interp/kvm_guest.c': 'int g(int fd) { return ioctl(fd, 1, 0); }\n',
               'bench/minivm.c': 'int g(int fd) { return ioctl(fd, 1, 0); }\n',
               'src/pmu/apply.c': '/* not ioctl(): */ int f(int fd) { return kvm_ioctl(fd, 1, 0) + '
                                  'vmm_err_ioctl(0, "ioctl(", 1, 0); }\n'}, 0),
    # A folder cycle through a header: cpuid -> pmu -> cpuid.
    ('includes', {'src/cpuid/leaves.h': '#include "pmu/shape.h"\n', 'src/pmu/shape.h': '',
                  'src/pmu/host.c': '#include "cpuid/leaves.h"\n'}, 1),
    # A file cycle (two headers) that is also a folder cycle at depth 2 of src/vmm.
    ('includes', {'src/vmm/boot/a.h': '#include "vmm/hw/b.h"\n',
                  'src/vmm/hw/b.h': '  #  include "vmm/boot/a.h"\n'}, 2),
    # A file cycle inside one folder, through the including file's directory.
    ('includes', {'src/interp/a.h': '#include "b.h"\n', 'src/interp/b.h': '#include "interp/a.h"\n'}, 1),
    # Layers: no cycle; the installed headers are outside the graph.
    ('includes', {'src/pmu/soft/m.h': '#include "common/x.h"\n', 'src/common/x.h': '#include "vmm/vmm.h"\n',
                  'include/vmm/vmm.h': '', 'src/pmu/plan.c': '#include "pmu/soft/m.h"\n#include <stdio.h>\n',
                  'src/vmm/softpmu/hooks.c': '#include "vmm/run/vcpu_pmu.h"\n', 'src/vmm/run/vcpu_pmu.h': '',
                  'src/vmm/run/vcpu.c': '#include "vmm/run/vcpu_pmu.h"\n'}, 0),
    # The vCPU loop and the engine that includes it, calling each other's headers.
    ('includes', {'src/vmm/run/vcpu.c': '#include "vmm/softpmu/engine.h"\n',
                  'src/vmm/softpmu/engine.h': '#include "vmm/run/exit.h"\n', 'src/vmm/run/exit.h': ''}, 1),
    # MSR indexes and control-register bits: only in src/common/x86.h, in every directory.
    ('x86-constants', {'src/common/x86.h': '#define MSR_EFER 0xc0000080\n#define CR0_PE (1ULL << 0)\n',
                       'src/pmu/reset.c': '#define MSR_IA32_PMC0 0xc1\n  # define CR4_PAE (1ULL << 5)\n',
                       'guest-images/lib/pmu.h': '#define MSR_K7_EVNTSEL0 0xc0010000\n',
                       'tests/pmu/test_reset.c': '#define EFER_LMA (1ULL << 10)\n#define X86_CR0_PG 1\n'}, 5),
    ('x86-constants', {'src/interp/gva.c': '/* #define CR0_WP */\n#define LIBCHECK_EFER_RESERVED 4\n'
                                           '#define HOSTILE_MSR_RANGE_LEN 0x2000\n#define MSRS(x) x\n'}, 0),
    # Paths in the documentation: plain, in a link (relative to the document), globs, braces, placeholders.
    ('doc-paths', {'src/vmm/run/vm.c': '', 'src/vmm/hw/io.c': '', 'fuzz/corpus/io/x': '', 'tests/hosts/a.host': '',
                   'bench/step-baseline.c': '',
                   'docs/cli.md': 'See `src/vmm/run/vm.c`, src/vmm/{run/vm.c,hw/io.c}, fuzz/corpus/TARGET, bench/step-baseline,\n'
                                  '`tests/hosts/*.host`, [boot](boot.md#x), [web](https://x.org/src/no.c), '
                                  'arch/x86/kvm/x86.c and `vmm/run/vm.c`.\n',
                   'docs/boot.md': '', 'README.md': '[cli](docs/cli.md) `src/vmm/run/`\n'}, 0),
    ('doc-paths', {'src/vmm/run/vm.c': '', 'README.md': 'src/vmm/run/io.c [x](docs/gone.md) src/{vmm,pmu}/x.c\n',
                   'docs/a.md': '`src/pmu/shape.h`; [r](../READ.md); bench/launch-baseline; tests/*.none\n'}, 8),
    # A cycle through three folders.
    ('includes', {'src/vmm/run/vcpu.c': '#include "vmm/softpmu/engine.h"\n',
                  'src/vmm/softpmu/engine.h': '#include "vmm/hw/d.h"\n',
                  'src/vmm/hw/d.h': '#include "vmm/run/exit.h"\n', 'src/vmm/run/exit.h': ''}, 1),
    # The command line: the public headers, src/common, its own folders, system headers.
    ('cli-api', {**CLI_API_BASE, 'src/cli/main.c': '#include "cli/cli.h"\n#include "vmm/bootinfo.h"\n'
                 '#include <vmm/vmm.h>\n#include <errno.h>\n#include "common/err.h"\n'
                 '#include "selftest/selftest.h"\n#include "cli.h"\n'}, 0),
    # An internal header: plain, with spaces, in angle brackets, by a relative path out of the folder.
    ('cli-api', {**CLI_API_BASE, 'src/cli/cmd.c': '#include "pmu/plan.h"\n'}, 1),
    ('cli-api', {**CLI_API_BASE, 'src/cli/cmd.c': '  #  include   "vmm/run/vm.h"\n'}, 1),
    ('cli-api', {**CLI_API_BASE, 'src/cli/cmd.c': '#include <vmm/api/api_internal.h>\n'}, 1),
    ('cli-api', {**CLI_API_BASE, 'src/cli/cmd.c': '#include "../pmu/plan.h"\n'}, 1),
    # The self-test runner, and a header of a checked folder.
    ('cli-api', {**CLI_API_BASE, 'src/selftest/run.c': '#include "vmm/run/vm.h"\n#include "pmu/plan.h"\n'}, 2),
    ('cli-api', {**CLI_API_BASE, 'src/selftest/x.h': '#include "vmm/api/api_internal.h"\n'}, 1),
    # A quoted include of no file of the tree; a tree with nothing to check.
    ('cli-api', {**CLI_API_BASE, 'src/cli/cmd.c': '#include "nowhere.h"\n'}, 1),
    ('cli-api', {'src/vmm/run/vm.c': ''}, 1),
    # The VM core through the hooks only: not the engine's header, nor the model's, by any path or bracket.
    ('softpmu-hooks', {**SOFTPMU_BASE, 'src/vmm/run/vcpu.c': '#include "vmm/run/vcpu_pmu.h"\n'
                       '#include <linux/kvm.h>\n'}, 0),
    ('softpmu-hooks', {**SOFTPMU_BASE, 'src/vmm/run/vm.c': '#include "vmm/softpmu/engine.h"\n'}, 1),
    ('softpmu-hooks', {**SOFTPMU_BASE, 'src/vmm/api/api_run.c': '#include "pmu/soft/softpmu.h"\n'}, 1),
    ('softpmu-hooks', {**SOFTPMU_BASE, 'src/vmm/run/vm.c': '#include "../softpmu/engine.h"\n'}, 1),
    ('softpmu-hooks', {**SOFTPMU_BASE, 'src/vmm/run/vcpu.h': '# include <vmm/softpmu/engine.h>\n'}, 1),
    ('softpmu-hooks', {'src/vmm/softpmu/hooks.c': ''}, 1),
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
