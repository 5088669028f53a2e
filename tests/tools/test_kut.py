#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""tools/kut's pure parts: the unittests.cfg parser, the mapping of each
test's QEMU options to vmm options (or the reason there is none), timeouts,
memory sizes and verdicts. Prints TAP."""

import importlib.machinery
import importlib.util
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
loader = importlib.machinery.SourceFileLoader('kut', os.path.join(HERE, '..', '..', 'tools', 'kut'))
spec = importlib.util.spec_from_loader('kut', loader)
kut = importlib.util.module_from_spec(spec)
loader.exec_module(kut)

ENV = {'dir': '/suite', 'vmm': 'vmm', 'qemu': 'qemu', 'timeout': 0, 'qemu_cpu_flags': '',
       'flags': {'x2apic', 'tsc_deadline_timer', 'pcid'}, 'vendor': 'AuthenticAMD'}


def tests():
    with open(os.path.join(HERE, 'kut-sample.cfg')) as f:
        return {t['name']: t for t in kut.parse_cfg(f.read())}


class Parser(unittest.TestCase):
    def test_sections_and_keys(self):
        t = tests()
        self.assertEqual(list(t), ['plain', 'with_args', 'old_style', 'smp_mem', 'too_much_ram', 'hyperv',
                                   'hide_feature', 'hide_pcid', 'want_vmx', 'model', 'intel_only', 'no_pmu', 'i386', 'tcg', 'split',
                                   'pmu', 'lbr', 'dup_key'])
        self.assertEqual(t['with_args']['test_args'], "'cpuid'")
        self.assertEqual(t['with_args']['groups'], 'vmexit nodefault')
        self.assertEqual(t['pmu']['check'],
                         '/sys/module/kvm/parameters/enable_pmu=Y /proc/sys/kernel/nmi_watchdog=0')
        self.assertEqual(t['dup_key']['file'], 'b.flat')
        self.assertNotIn('#', ''.join(str(v) for v in t['pmu'].values()))

    def test_garbage(self):
        self.assertEqual(kut.parse_cfg(''), [])
        self.assertEqual(kut.parse_cfg('key = before any section\n[a\n=\n'), [])
        self.assertEqual(kut.parse_cfg('[x]\nnot a key line\nfile=y'), [{'name': 'x', 'file': 'y'}])

    def test_timeout_and_mem(self):
        for s, want in (('90', 90), ('30s', 30), ('2m', 120), ('1.5', 1.5), ('', None), ('x', None),
                        ('-3', None)):
            self.assertEqual(kut.parse_timeout(s), want, s)
        for s, want in (('2048', 2048), ('4g', 4096), ('512M', 512), ('size=1G', 1024), ('1024k', 1),
                        ('lots', None)):
            self.assertEqual(kut.parse_mem_mib(s), want, s)


class Mapping(unittest.TestCase):
    def plan(self, name, mode='off'):
        return kut.plan_vmm(tests()[name], mode, ENV)

    def test_runs(self):
        self.assertEqual(self.plan('plain'), (['--pmu=off', '--irqchip=full', '--cpus=1'], '', None))
        opts, args, why = self.plan('with_args', 'soft-intel')
        self.assertEqual((opts[:2], args, why), (['--pmu=soft', '--cpu-vendor=intel'], "'cpuid'", None))
        self.assertEqual(self.plan('old_style'), (['--pmu=off', '--irqchip=full', '--cpus=2'], 'ipi', None))
        self.assertEqual(self.plan('smp_mem', 'soft-amd'),
                         (['--pmu=soft', '--cpu-vendor=amd', '--irqchip=full', '--cpus=3', '--mem=2048M'], '',
                          None))
        self.assertEqual(self.plan('split')[0][1], '--irqchip=split')
        self.assertIsNone(self.plan('intel_only', 'soft-intel')[2])
        self.assertIsNone(self.plan('no_pmu', 'off')[2])
        # -cpu host,migratable=no passes the host's LBR format: soft Intel's is --pmu-lbr.
        self.assertIn('--pmu-lbr=on', self.plan('lbr', 'soft-intel')[0])
        self.assertNotIn('--pmu-lbr=on', self.plan('lbr', 'soft-amd')[0])
        self.assertNotIn('--pmu-lbr=on', self.plan('with_args', 'soft-intel')[0])
        # The -always modes: the same plan, and the interpreter also for uncounted code.
        opts = self.plan('lbr', 'soft-intel-always')[0]
        self.assertEqual(opts[:3], ['--pmu=soft', '--cpu-vendor=intel', '--soft-interp=always'])
        self.assertIn('--pmu-lbr=on', opts)
        self.assertIsNone(self.plan('intel_only', 'soft-intel-always')[2])
        self.assertEqual(self.plan('smp_mem', 'soft-amd-always')[0][:3],
                         ['--pmu=soft', '--cpu-vendor=amd', '--soft-interp=always'])

    def test_needs(self):
        for name, mode, why in (
                ('too_much_ram', 'off', 'needs -m 4g (vmm gives at most 3 GiB)'),
                ('hyperv', 'off', 'needs -cpu hv_passthrough (Hyper-V enlightenments)'),
                ('hide_feature', 'off', 'needs -cpu -x2apic (vmm cannot hide CPUID features other than the PMU)'),
                ('hide_pcid', 'off', 'needs -cpu -pcid (vmm cannot hide CPUID features other than the PMU)'),
                ('model', 'off', 'needs -cpu IvyBridge'),
                ('intel_only', 'off', 'needs -cpu vendor=GenuineIntel (the guest sees AuthenticAMD in mode off)'),
                ('intel_only', 'soft-amd', 'needs -cpu vendor=GenuineIntel (the guest sees AuthenticAMD in mode soft-amd)'),
                ('no_pmu', 'soft-intel', 'cfg asks for -cpu pmu=off: runs in mode off only'),
                ('i386', 'off', 'needs i386'),
                ('tcg', 'off', 'needs accel=tcg')):
            self.assertEqual(self.plan(name, mode), (None, None, why), name)
        # A +FEATURE the host lacks is left out, as QEMU does; a -FEATURE it lacks is already hidden.
        self.assertIsNone(self.plan('want_vmx')[2])
        env = dict(ENV, flags=ENV['flags'] - {'x2apic'})
        self.assertIsNone(kut.plan_vmm(tests()['hide_feature'], 'off', env)[2])

    def test_pmu_checks(self):
        t = tests()['pmu']
        self.assertTrue(kut.check_host(t, 'off').startswith('needs a PMU'))
        self.assertIsNone(kut.check_host(t, 'soft-intel'))
        with tempfile.NamedTemporaryFile('w') as f:
            f.write('Y\n')
            f.flush()
            self.assertIsNone(kut.check_host({'check': f.name + '=Y'}, 'qemu'))
            self.assertEqual(kut.check_host({'check': f.name + '=N'}, 'off'),
                             'host check %s=N (it is Y)' % f.name)
        self.assertIn('absent', kut.check_host({'check': '/nonexistent/x=Y'}, 'soft-amd'))

    def test_qemu(self):
        cmd, args, why = kut.plan_qemu(tests()['old_style'], ENV)
        self.assertIsNone(why)
        self.assertEqual(args, 'ipi')
        self.assertEqual(cmd[cmd.index('-smp') + 1], '1')      # -smp 2 is in the cfg's options, passed as given
        self.assertEqual(cmd[-2:], ['-smp', '2'])
        self.assertIn('pc-testdev', cmd)
        self.assertEqual(cmd[cmd.index('-cpu') + 1], 'host')
        env = dict(ENV, qemu_cpu_flags='-arch-capabilities')
        cmd, _, _ = kut.plan_qemu(tests()['hyperv'], env)
        self.assertEqual(cmd[cmd.index('-cpu') + 1], 'host,hv_passthrough,-arch-capabilities')


class Verdicts(unittest.TestCase):
    def test_statuses(self):
        self.assertEqual(kut.verdict(1, '', '', False), ('PASS', ''))
        self.assertEqual(kut.verdict(3, '', '', False)[0], 'FAIL')
        self.assertEqual(kut.verdict(77, '', '', False)[0], 'SKIP')
        self.assertEqual(kut.verdict(124, '', '', False), ('FAIL', 'timeout'))
        self.assertEqual(kut.verdict(0, '', '', True), ('FAIL', 'timeout'))
        self.assertTrue(kut.verdict(124, '', 'KVM internal error. Suberror: 1\n', False)[1].startswith('KVM internal'))
        self.assertEqual(kut.verdict(10, '', 'vmm: vCPU 0: KVM internal error\n', False),
                         ('FAIL', 'exit status 10: vmm: vCPU 0: KVM internal error'))
        self.assertEqual(kut.verdict(4, '', 'vmm: x: segment 0 starts below 0x10000, inside\n', False)[0], 'SKIP')
        self.assertEqual(kut.verdict(1, '', "qemu-system-x86_64: Property 'x.vmx-mbec' not found\n", False, True),
                         ('FAIL', "QEMU refused to start: qemu-system-x86_64: Property 'x.vmx-mbec' not found"))
        self.assertEqual(kut.verdict(1, 'PASS: x\n', 'qemu-system-x86_64: warning: host lacks pni\n', False, True),
                         ('PASS', ''))


if __name__ == '__main__':
    # TAP for meson.
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    cases = [t for group in suite for t in group]
    print('1..%d' % len(cases))
    failed = 0
    for i, case in enumerate(cases, 1):
        r = unittest.TestResult()
        case.run(r)
        ok = r.wasSuccessful()
        failed += not ok
        print('%s %d - %s' % ('ok' if ok else 'not ok', i, case.id().split('.', 1)[1]))
        for _, tb in r.failures + r.errors:
            print('# ' + tb.replace('\n', '\n# '))
    sys.exit(1 if failed else 0)
