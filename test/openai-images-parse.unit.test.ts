import t from 'tap';
import { MAX_IMAGES, imageFromUrl, imagesOf, sniffImage } from '../adapters/http/routes/openai-images.js';
import { conversation } from '../adapters/http/routes/openai-request.js';
import { capabilitiesFromShow } from '../adapters/llm/ollama-llm.js';

// The edge of /v1 images: which data: URLs become images, and what Ollama's /api/show says a model can do.

const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46]);
const webp = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x24, 0, 0, 0]), Buffer.from('WEBPVP8 ')]);
const url = (mime: string, b: Buffer) => `data:${mime};base64,${b.toString('base64')}`;

t.test('JPEG, PNG and WebP are known by their first bytes; other bytes are not images', async (t) => {
  t.equal(sniffImage(jpeg), 'image/jpeg');
  t.equal(sniffImage(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0])), 'image/png');
  t.equal(sniffImage(webp), 'image/webp');
  t.equal(sniffImage(Buffer.from('GIF89a')), undefined);
  t.equal(sniffImage(Buffer.from([0xff, 0xd8])), undefined, 'too short to tell');
});

t.test('a data: URL becomes an image with the type its bytes say; image/jpg and parameters are taken', async (t) => {
  t.same(imageFromUrl(url('image/jpeg', jpeg), 'high', 'p'), { mediaType: 'image/jpeg', base64: jpeg.toString('base64'), detail: 'high' });
  t.equal(imageFromUrl(url('image/jpg', jpeg), undefined, 'p').mediaType, 'image/jpeg');
  t.equal(imageFromUrl(`data:image/webp;name=a.webp;base64,${webp.toString('base64')}`, undefined, 'p').mediaType, 'image/webp');
  t.equal(imageFromUrl(url('image/png', webp), undefined, 'p').mediaType, 'image/webp', 'the bytes decide, not the label');
});

t.test('what is refused, with the code and the part it names', async (t) => {
  const cases: Array<[string, string]> = [
    ['https://example.com/a.jpg', 'SMOL_IMAGE_URL_REFUSED'],
    ['file:///etc/passwd', 'SMOL_IMAGE_URL_REFUSED'],
    ['/9j/4AAQSkZJRg==', 'SMOL_IMAGE_URL_REFUSED'],
    ['data:image/jpeg,rawbytes', 'SMOL_IMAGE_URL_REFUSED'],
    ['data:text/plain;base64,aGk=', 'SMOL_FRAME_INVALID'],
    ['data:image/jpeg;base64,', 'SMOL_FRAME_INVALID'],
    ['data:image/jpeg;base64,/9j/4A', 'SMOL_FRAME_INVALID'],
    [url('image/jpeg', Buffer.from('plain text, no picture')), 'SMOL_FRAME_INVALID'],
  ];
  for (const [u, code] of cases) t.throws(() => imageFromUrl(u, undefined, 'messages.0.content.1.image_url.url'), { code, details: { param: 'messages.0.content.1.image_url.url' } }, u);
  t.throws(() => imagesOf([{ type: 'image_url', image_url: { detail: 'low' } }], 2), { code: 'SMOL_BAD_REQUEST', details: { param: 'messages.2.content.0.image_url.url' } }, 'a part without a url');
});

t.test('conversation puts the images on their user messages and refuses them elsewhere or too many', async (t) => {
  const part = { type: 'image_url', image_url: { url: url('image/jpeg', jpeg) } };
  const c = conversation([
    { role: 'user', content: [{ type: 'text', text: 'before' }, part] },
    { role: 'assistant', content: 'ok' },
    { role: 'user', content: [part, { type: 'text', text: 'and this?' }, part] },
  ]);
  t.equal(c.history[0]!.images?.length, 1, 'an earlier turn keeps its image');
  t.equal(c.question, 'and this?');
  t.equal(c.images.length, 2);
  t.equal(c.imageCount, 3);
  t.throws(() => conversation([{ role: 'system', content: [part] }, { role: 'user', content: 'hi' }]), { code: 'SMOL_BAD_REQUEST', details: { param: 'messages.0.content' } });
  t.throws(() => conversation([{ role: 'user', content: Array.from({ length: MAX_IMAGES + 1 }, () => part) }]), { code: 'SMOL_BAD_REQUEST', message: /at most 8/ });
});

t.test("Ollama's /api/show: capabilities when it has them, else a vision projector", async (t) => {
  t.same(capabilitiesFromShow({ capabilities: ['completion', 'vision'] }), { vision: true, tools: false });
  t.same(capabilitiesFromShow({ capabilities: ['completion', 'tools'] }), { vision: false, tools: true });
  t.same(capabilitiesFromShow({ details: { families: ['llama', 'clip'] } }), { vision: true });
  t.same(capabilitiesFromShow({ details: { families: ['mllama'] } }), { vision: true });
  t.same(capabilitiesFromShow({ details: { families: ['qwen2'] }, projector_info: { 'clip.has_vision_encoder': true } }), { vision: true });
  t.same(capabilitiesFromShow({ details: { families: ['qwen2'] } }), { vision: false });
});
