import t from 'tap';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { memoryReader, parsePressure, parseStatusRss } from '../adapters/sensors/memory-readers.js';
import { tempDir } from './helpers/temp-dir.js';

// The exact formats the kernel prints: proc(5) for status and meminfo (values right-aligned in
// 8 columns after the key, then " kB"), Documentation/accounting/psi.rst for pressure/memory.
const MEMINFO = `MemTotal:        1893396 kB
MemFree:          101228 kB
MemAvailable:     412568 kB
Buffers:           20480 kB
Cached:           398112 kB
SwapCached:         1024 kB
Active:           934220 kB
Inactive:         612908 kB
Active(anon):     702336 kB
Inactive(anon):   190728 kB
SwapTotal:        102396 kB
SwapFree:          71676 kB
Dirty:               120 kB
HugePages_Total:       0
Hugepagesize:       2048 kB
`;
const PSI = `some avg10=12.34 avg60=3.02 avg300=0.71 total=81237190
full avg10=1.50 avg60=0.40 avg300=0.09 total=20334870
`;
const STATUS = `Name:\tnode
Umask:\t0022
State:\tS (sleeping)
Tgid:\t4242
Pid:\t4242
VmPeak:\t 1205620 kB
VmSize:\t 1141296 kB
VmHWM:\t  210044 kB
VmRSS:\t  187320 kB
RssAnon:\t  150100 kB
Threads:\t11
`;

const heap = () => ({ used_heap_size: 50 * 1024 * 1024, heap_size_limit: 200 * 1024 * 1024 });

function fakeProc(root: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), text);
  }
}

t.test('a full /proc tree gives every figure, in bytes, with no problem', async (t) => {
  const proc = tempDir(t);
  fakeProc(proc, { 'self/status': STATUS, meminfo: MEMINFO, 'pressure/memory': PSI });
  const { sample, problems } = await memoryReader({ procRoot: proc, heap })();
  t.same(problems, []);
  t.same(sample, {
    rssBytes: 187320 * 1024,
    memTotalBytes: 1893396 * 1024,
    memAvailableBytes: 412568 * 1024,
    swapTotalBytes: 102396 * 1024,
    swapFreeBytes: 71676 * 1024,
    psiSomeAvg10: 12.34,
    psiFullAvg10: 1.5,
    heapUsedBytes: 50 * 1024 * 1024,
    heapLimitBytes: 200 * 1024 * 1024,
  });
});

t.test('no pressure file (a kernel before 4.20 or without PSI): PSI is absent, not 0, and that is no problem', async (t) => {
  const proc = tempDir(t);
  fakeProc(proc, { 'self/status': STATUS, meminfo: MEMINFO });
  const { sample, problems } = await memoryReader({ procRoot: proc, heap })();
  t.same(problems, []);
  t.notOk('psiSomeAvg10' in sample, 'no some avg10');
  t.notOk('psiFullAvg10' in sample, 'no full avg10');
  t.equal(sample.memAvailableBytes, 412568 * 1024, 'the rest is read');
});

t.test('garbage in the files is reported by name and read as absent; nothing throws', async (t) => {
  const proc = tempDir(t);
  fakeProc(proc, {
    'self/status': 'Name:\tnode\nVmRSS:\tlots kB\n',
    meminfo: 'MemTotal: 100 kB\nMemAvailable: 900 kB\n\u0000\u0001garbage\n',
    'pressure/memory': 'some avg10=abc avg60=1 avg300=1 total=1\n',
  });
  const { sample, problems } = await memoryReader({ procRoot: proc, heap, rssFallback: () => 42 })();
  t.match(problems, [/^self\/status: /, /^meminfo: /, /^pressure\/memory: /], 'each unreadable file is named');
  t.equal(sample.rssBytes, 42, 'RSS falls back to what the process says of itself');
  t.notOk('memAvailableBytes' in sample, 'MemAvailable above MemTotal is not believed');
  t.notOk('psiSomeAvg10' in sample);
  t.equal(sample.heapUsedBytes, 50 * 1024 * 1024);
});

t.test('a file that cannot be read (a directory where the file should be) is a problem too, and an absent tree gives only what V8 knows', async (t) => {
  const proc = tempDir(t);
  fakeProc(proc, { 'self/status': STATUS, meminfo: MEMINFO });
  mkdirSync(join(proc, 'pressure', 'memory'), { recursive: true });
  const { problems } = await memoryReader({ procRoot: proc, heap })();
  t.match(problems, [/^pressure\/memory: .*EISDIR/]);
  rmSync(proc, { recursive: true, force: true });
  const empty = await memoryReader({ procRoot: proc, heap, rssFallback: () => 7 })();
  t.same(empty, { sample: { rssBytes: 7, heapUsedBytes: 50 * 1024 * 1024, heapLimitBytes: 200 * 1024 * 1024 }, problems: [] }, 'not Linux: RSS from the process, no machine figures');
});

t.test('the line parsers take exactly the documented shapes', async (t) => {
  t.equal(parseStatusRss('VmRSS:\t  1024 kB\n'), 1024 * 1024);
  t.equal(parseStatusRss('VmRSS: 1024\n'), undefined, 'no unit: not the kernel format');
  t.equal(parseStatusRss('VmHWM:\t  1024 kB\n'), undefined);
  t.same(parsePressure(PSI), { some: 12.34, full: 1.5 });
  t.same(parsePressure('some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n'), { some: 0 }, 'a kernel with only the some line (as for cpu before 5.13)');
  t.same(parsePressure('some avg10=-1.00 avg60=0.00 avg300=0.00 total=0\n'), {}, 'no negative percentages');
  t.same(parsePressure(''), {});
});

t.test('on this machine the real /proc and V8 give an RSS and a heap', async (t) => {
  const { sample } = await memoryReader()();
  t.ok((sample.rssBytes ?? 0) > 1024 * 1024, 'an RSS of more than 1 MiB');
  t.ok((sample.heapLimitBytes ?? 0) > (sample.heapUsedBytes ?? Infinity), 'heap used below its limit');
});
