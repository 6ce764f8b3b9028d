#!/usr/bin/env node
// A stand-in for rpicam-still (the boundary that cannot run off a Pi): it checks the command-line
// contract the camera adapter relies on (-n, -t, --camera, --width, --height, -e jpg, -o -) and
// writes an 8×8 JPEG to stdout. FAKE_RPICAM_MODE picks a failure: nocamera (exit 255 like
// rpicam-still without a camera), hang (never answers), garbage (text on stdout), huge (2 MiB).
// FAKE_RPICAM_LOG, when set, gets one JSON line per run: {pid, argv}.
import { appendFileSync } from 'node:fs';

const JPEG_8X8 =
  '/9j/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAAIAAgDASIAAhEBAxEB/8QAFAABAAAAAAAAAAAAAAAAAAAAAP/EABQQAQAAAAAAAAAAAAAAAAAAAAD/xAAUAQEAAAAAAAAAAAAAAAAAAAAA/8QAFBEBAAAAAAAAAAAAAAAAAAAAAP/aAAwDAQACEQMRAD8AAA//2Q==';

const argv = process.argv.slice(2);
if (process.env.FAKE_RPICAM_LOG) appendFileSync(process.env.FAKE_RPICAM_LOG, `${JSON.stringify({ pid: process.pid, argv })}\n`);

function fail(message, code = 1) {
  process.stderr.write(`ERROR: *** ${message} ***\n`);
  process.exit(code);
}

const opts = new Map();
const flags = new Set();
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '-n' || a === '--nopreview') flags.add('nopreview');
  else if (['-t', '--timeout', '--width', '--height', '-e', '--encoding', '-o', '--output', '--camera'].includes(a)) {
    if (i + 1 >= argv.length) fail(`option ${a} needs a value`);
    opts.set(a.replace(/^--?/, ''), argv[++i]);
  } else fail(`unrecognised option '${a}'`);
}
const get = (short, long) => opts.get(short) ?? opts.get(long);
if (!flags.has('nopreview')) fail('no -n: a preview window would be opened on a headless Pi');
if (!/^\d+$/.test(get('t', 'timeout') ?? '')) fail('-t <ms> is required (the default is 5 s)');
for (const k of ['width', 'height']) if (!/^[1-9]\d*$/.test(opts.get(k) ?? '')) fail(`--${k} must be a positive integer`);
if ((get('e', 'encoding') ?? 'jpg') !== 'jpg') fail('expected -e jpg');
if (get('o', 'output') !== '-') fail('expected -o - (JPEG to stdout)');

switch (process.env.FAKE_RPICAM_MODE ?? 'ok') {
  case 'nocamera':
    fail('no cameras available', 255);
    break;
  case 'hang':
    setInterval(() => undefined, 60_000);
    break;
  case 'garbage':
    process.stdout.write('Preview window unavailable\n');
    break;
  case 'huge':
    process.stdout.write(Buffer.concat([Buffer.from(JPEG_8X8, 'base64').subarray(0, 4), Buffer.alloc(2 << 20)]));
    break;
  default:
    process.stdout.write(Buffer.from(JPEG_8X8, 'base64'));
}
