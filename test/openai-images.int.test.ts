import t from 'tap';
import sharp from 'sharp';
import { OpenAI } from 'openai';
import { OpenAiCompatibleLlm } from '../adapters/llm/openai-compatible-llm.js';
import { FakeOllama } from './helpers/fake-ollama.js';
import { httpNode } from './helpers/http-node.js';
import { nodeAgent } from './helpers/node-agent.js';

// Images on /v1/chat/completions through the node's real app, its agent and the real `ollama`
// client, against the scripted Ollama server: what reaches Ollama is asserted from its recorded
// requests, and every refusal leaves the journal as it was.

const fake = await FakeOllama.start({
  models: ['qwen2.5:1.5b', 'all-minilm', 'moondream', 'llava:7b'],
  // moondream as Ollama 0.6+ describes it; llava as an older Ollama does (no capabilities, a clip projector).
  capabilities: { moondream: ['completion', 'vision'], 'llava:7b': null },
  families: { 'llava:7b': ['llama', 'clip'] },
});
t.teardown(() => fake.close());
const { app, tokens, journal } = await httpNode(t, nodeAgent(t, fake));
await app.listen({ host: '127.0.0.1', port: 0 });
const baseURL = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/v1`;
const client = new OpenAI({ baseURL, apiKey: tokens.admin, maxRetries: 0 });

const jpeg = await sharp({ create: { width: 16, height: 12, channels: 3, background: { r: 200, g: 30, b: 30 } } }).jpeg().toBuffer();
const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 0, g: 0, b: 255 } } }).png().toBuffer();
const dataUrl = (mime: string, bytes: Buffer) => `data:${mime};base64,${bytes.toString('base64')}`;
const withImage = (url: string, text = 'What is in this picture?') => [
  { role: 'user' as const, content: [{ type: 'text' as const, text }, { type: 'image_url' as const, image_url: { url, detail: 'low' as const } }] },
];
const asked = async () => {
  let n = 0;
  for await (const e of journal.read({ types: ['agent.asked'] })) if (e.event.type === 'agent.asked') n++;
  return n;
};

t.test('an image part reaches Ollama as base64 on the user message, without tools for a model that takes none', async (t) => {
  fake.script({ content: 'A red square.' });
  const res = await client.chat.completions.create({ model: 'moondream', messages: withImage(dataUrl('image/jpeg', jpeg)) });
  t.equal(res.choices[0]!.message.content, 'A red square.');
  t.equal(res.model, 'moondream');
  const req = fake.chatRequests().at(-1)!;
  const user = req.messages.at(-1)!;
  t.equal(user.role, 'user');
  t.equal(user.content, 'What is in this picture?');
  t.same(user.images, [jpeg.toString('base64')], 'the bytes as sent, base64');
  t.equal(req.tools, undefined, 'moondream has no tools capability: none are offered');
  let question;
  for await (const e of journal.read({ types: ['agent.asked'] })) question = e.event.data;
  t.match(question, { question: 'What is in this picture?', model: 'moondream' }, 'the question is journaled, not the image');
});

t.test('streamed, to an older Ollama whose vision model shows as a clip projector; a PNG labelled image/jpeg is sent as the PNG it is', async (t) => {
  fake.script({ content: 'A blue tile.', chunkSize: 3 });
  const stream = await client.chat.completions.create({ model: 'llava:7b', stream: true, messages: withImage(dataUrl('image/jpeg', png), 'Colour?') });
  let content = '';
  for await (const c of stream) content += c.choices[0]?.delta.content ?? '';
  t.equal(content, 'A blue tile.');
  const req = fake.chatRequests().at(-1)!;
  t.same(req.messages.at(-1)!.images, [png.toString('base64')]);
  t.ok(req.tools?.length, 'an older Ollama cannot say: the node tools are offered as usual');
});

t.test('a model that cannot see answers 422 SMOL_LLM_NO_VISION naming vision models, streamed or not, and nothing is journaled', async (t) => {
  const before = { asked: await asked(), chats: fake.chatRequests().length };
  for (const stream of [false, true]) {
    const res = await fetch(`${baseURL}/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'qwen2.5:1.5b', stream, messages: withImage(dataUrl('image/jpeg', jpeg)) }),
    });
    t.equal(res.status, 422, `stream: ${stream}`);
    const body = (await res.json()) as { error: { code: string; message: string; type: string } };
    t.match(body.error, { code: 'SMOL_LLM_NO_VISION', type: 'invalid_request_error', message: /moondream/ });
  }
  t.equal(await asked(), before.asked);
  t.equal(fake.chatRequests().length, before.chats, 'Ollama was not asked');
});

t.test('a remote image URL, broken base64, bytes that are no image and an unsupported type are refused; nothing is journaled', async (t) => {
  const before = { asked: await asked(), chats: fake.chatRequests().length };
  const cases = [
    { url: 'https://example.com/cat.jpg', code: 'SMOL_IMAGE_URL_REFUSED', message: /does not fetch a remote image URL/ },
    { url: 'http://192.168.1.1/admin.png', code: 'SMOL_IMAGE_URL_REFUSED', message: /data:image\/jpeg;base64/ },
    { url: 'data:image/jpeg;base64,not*base64!', code: 'SMOL_FRAME_INVALID', message: /not valid base64/ },
    { url: dataUrl('image/png', Buffer.from('hello, not a picture')), code: 'SMOL_FRAME_INVALID', message: /not a JPEG, PNG or WebP/ },
    { url: dataUrl('image/gif', Buffer.from('GIF89a')), code: 'SMOL_FRAME_INVALID', message: /image\/gif/ },
  ];
  for (const c of cases) {
    await t.rejects(client.chat.completions.create({ model: 'moondream', messages: withImage(c.url) }), { status: 400, code: c.code, param: 'messages.0.content.1.image_url.url', message: c.message }, c.url.slice(0, 40));
  }
  const big = dataUrl('image/jpeg', Buffer.concat([jpeg, Buffer.alloc(2 << 20)]));
  await t.rejects(client.chat.completions.create({ model: 'moondream', messages: withImage(big) }), { status: 400, code: 'SMOL_FRAME_INVALID', message: /over 2097152 bytes/ }, 'an image over the size limit');
  t.equal(await asked(), before.asked);
  t.equal(fake.chatRequests().length, before.chats, 'Ollama was not asked');
});

t.test('an OpenAI-compatible upstream gets the images as image_url parts (here: this node\'s /v1 again)', async (t) => {
  const llm = new OpenAiCompatibleLlm({ baseUrl: baseURL, apiKey: tokens.admin, model: 'moondream', timeoutMs: 5000, retry: { retries: 0, baseMs: 1 } });
  fake.script({ content: 'Red.' });
  const res = await llm.chat({ messages: [{ role: 'user', content: 'Colour?', images: [{ mediaType: 'image/jpeg', base64: jpeg.toString('base64'), detail: 'high' }] }] });
  t.equal(res.content, 'Red.');
  t.same(fake.chatRequests().at(-1)!.messages.at(-1)!.images, [jpeg.toString('base64')], 'the image made it through both hops');
});
