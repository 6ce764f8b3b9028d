import { connect, type AddressInfo } from 'node:net';
import t from 'tap';
import { ErrorCodes } from '../core/errors.js';
import type { CameraStatus, LookResult, VisionService } from '../core/vision/vision-service.js';
import { generateTokens } from '../adapters/http/auth/tokens.js';
import { flood } from './helpers/body-flood.js';
import { httpNode } from './helpers/http-node.js';
import { waitFor } from './helpers/wait-for.js';
import { watchedBody } from './helpers/watched-body.js';

// POST /api/vision/look against callers that misbehave: a huge body without credentials from the
// LAN (refused from its headers, never read), an admin's oversized or broken body, a client that
// never finishes its request, and one that goes away while the camera is being read. The vision
// service is a stand-in that records every look (the camera is hardware).

const LAN = '192.168.1.77';

/** A vision service whose look waits until its signal aborts (or `release`), recording each call. */
function recordingVision() {
  const looks: Array<{ camera: string | undefined; signal: AbortSignal | undefined }> = [];
  let release: (() => void) | undefined;
  const door: CameraStatus = { name: 'door', describe: 'test double', state: 'ok', frames: 0, inferences: 0, skippedStill: 0, occupancy: {} };
  const service: VisionService = {
    cameras: () => [door],
    look(camera, signal): Promise<LookResult> {
      looks.push({ camera, signal });
      return new Promise((resolve, reject) => {
        release = () => resolve({ camera: 'door', capturedAtMs: 1, detections: [], classes: [] });
        signal?.addEventListener('abort', () => reject(Object.assign(new Error('grab aborted'), { code: ErrorCodes.CAMERA_UNAVAILABLE })));
      });
    },
    snapshot: async () => undefined,
    memory: () => ({ modelsLoaded: false }),
  };
  return { service, looks, release: () => release?.() };
}


t.test('POST /api/vision/look against misbehaving callers', async (t) => {
  let n = 40;
  const tokens = generateTokens((size) => Buffer.alloc(size, ++n));
  const vision = recordingVision();
  const node = await httpNode(t, {
    auth: { tokens, openOnLoopback: false },
    vision: () => vision.service,
    limits: { requestTimeoutMs: 1000, headersTimeoutMs: 500 },
  });
  const admin = { authorization: `Bearer ${tokens.admin}` };

  t.test('a huge body without a token from the LAN is refused from its headers, unread', async (t) => {
    const body = watchedBody(64 * 1024);
    const res = await node.app.inject({ method: 'POST', url: '/api/vision/look', remoteAddress: LAN, headers: { 'content-type': 'application/json', 'content-length': String(512 * 1024 * 1024) }, payload: body.stream });
    t.equal(res.statusCode, 401);
    t.equal(res.json().error.code, ErrorCodes.AUTH_REQUIRED);
    t.notOk(body.read(), 'not a byte of the body was read');
    t.equal(vision.looks.length, 0, 'the camera was not asked');
  });

  await node.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (node.app.server.address() as AddressInfo).port;

  t.test('over a real socket, 200 MB without a token: 401 and the connection closed long before', async (t) => {
    const bytes = 200 * 1024 * 1024;
    const r = await flood({ port, path: '/api/vision/look', headers: { 'content-type': 'application/json' }, bytes, timeoutMs: 20_000 });
    t.equal(r.status, 401);
    t.equal(r.code, ErrorCodes.AUTH_REQUIRED);
    t.ok(r.written < bytes / 4, `the node stopped taking the body (${r.written} of ${bytes} bytes accepted by the socket)`);
    t.equal(vision.looks.length, 0);
  });

  t.test("an admin's body over the route's 1 KiB is SMOL_BODY_TOO_LARGE; broken JSON and unknown fields are coded 400s", async (t) => {
    const big = await node.app.inject({ method: 'POST', url: '/api/vision/look', headers: { ...admin, 'content-type': 'application/json' }, payload: JSON.stringify({ camera: 'door', pad: 'x'.repeat(4096) }) });
    t.equal(big.statusCode, 413);
    t.equal(big.json().error.code, ErrorCodes.BODY_TOO_LARGE);
    for (const payload of ['{"camera": "do', '[]', '{"camera":"door","extra":1}', JSON.stringify({ camera: 'x'.repeat(41) })]) {
      const res = await node.app.inject({ method: 'POST', url: '/api/vision/look', headers: { ...admin, 'content-type': 'application/json' }, payload });
      t.equal(res.statusCode, 400, payload);
      t.match(res.json().error.code, /^SMOL_/, `${payload}: a coded error`);
      t.notMatch(res.body, /\n\s+at /, `${payload}: no stack trace`);
    }
    t.equal(vision.looks.length, 0, 'no bad body reached the camera');
  });

  t.test('a client that never finishes its request is answered 408 and closed within requestTimeoutMs; the camera is not asked', async (t) => {
    const slow = connect(port, '127.0.0.1');
    t.teardown(() => slow.destroy());
    let answer = '';
    let closed = false;
    slow.on('data', (d) => (answer += d));
    slow.on('close', () => (closed = true));
    slow.on('error', () => undefined);
    slow.write(`POST /api/vision/look HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${tokens.admin}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"cam`);
    await waitFor(() => closed, { timeoutMs: 10_000, message: 'the node to close the slow request' });
    t.match(answer, /^HTTP\/1\.1 408/, 'answered 408');
    t.equal(vision.looks.length, 0);
  });

  t.test('a client that goes away while the camera is read aborts the grab', async (t) => {
    const gone = connect(port, '127.0.0.1');
    gone.on('error', () => undefined);
    const body = '{"camera":"door"}';
    gone.write(`POST /api/vision/look HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${tokens.admin}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
    await waitFor(() => vision.looks.length === 1, { timeoutMs: 10_000, message: 'the look to start' });
    gone.destroy();
    await waitFor(() => vision.looks[0]?.signal?.aborted === true, { timeoutMs: 10_000, message: 'the grab to be aborted' });
    t.equal(vision.looks[0]?.camera, 'door');
  });
});
