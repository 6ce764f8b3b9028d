import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { buildUi } from '../ui/build.js';
import type { LevelJournal } from '../core/journal/level-journal.js';
import { httpNode } from './helpers/http-node.js';
import { nodeAgent } from './helpers/node-agent.js';
import { FakeOllama } from './helpers/fake-ollama.js';
import { testNode, exportFor, importInto } from './helpers/segment-fixtures.js';
import { openBrowser, skipWithoutChromium } from './helpers/browser.js';
import { tempDir } from './helpers/temp-dir.js';

const skip = skipWithoutChromium();

t.test('the dashboard in Chromium: agent chat with streamed answers and tool calls; nodes and sync', { skip: skip ?? false }, async (t) => {
  const uiDir = await buildUi({ outDir: join(tempDir(t, 'smollama-ui-'), 'dist'), minify: false });
  const shots = mkdtempSync(join(tmpdir(), 'smollama-screens-'));
  t.comment(`screenshots in ${shots}`);
  const fake = await FakeOllama.start();
  t.teardown(() => fake.close());
  const agent = nodeAgent(t, fake);
  const { app, journal, sample } = await httpNode(t, async (node) => ({ uiDir, ...(await agent(node)) }));
  await sample({ 'test.temp': 21.5 });

  // A hub this node synced with: its feed arrives as a segment, then this node journals the exchange.
  const hub = await testNode();
  t.teardown(() => hub.journal.close());
  await hub.journal.append([{ type: 'node.started', data: { name: 'hub', role: 'llama', publicKey: hub.journal.publicKey, software: 'test' } }]);
  const imported = await importInto({ journal: journal as LevelJournal, sign: hub.sign }, await exportFor(hub, {}), [hub]);
  t.ok(imported.applied >= 2, 'the hub\'s feed is here');
  const mine = journal.vector()[journal.nodeId]!;
  await journal.append([{ type: 'sync.completed', data: { peer: hub.journal.nodeId, peerName: 'hub', via: 'http', sent: mine - 2, received: 2, bytesSent: 900, bytesReceived: 400, peerVector: { [hub.journal.nodeId]: 2, [journal.nodeId]: mine - 2 }, durationMs: 35, clockOffsetMs: 1500 } }]);

  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  const { page, errors, external } = await openBrowser(t, { viewport: { width: 1200, height: 800 } });
  const open = async (hash: string, heading: string) => {
    await page.goto(`${base}#/${hash}`);
    await page.locator('h2', { hasText: heading }).first().waitFor({ timeout: 15_000 });
  };

  await t.test('a chat message is answered by the agent, streamed, with its tool call shown', async (t) => {
    fake.script(
      { toolCalls: [{ name: 'read_source', arguments: { source: 'test.temp' } }] },
      (req) => ({ content: `It is ${(JSON.parse(req.messages.at(-1)!.content) as { value: number }).value} °C in the kitchen. <img src=x onerror="window.__xss=1">`, chunkSize: 5 }),
    );
    await open('chat', 'Agent chat');
    await page.locator('smol-chat input[name=question]').fill('How warm is the kitchen?');
    await page.locator('smol-chat input[name=question]').press('Enter');
    await page.locator('smol-chat [data-testid=question]', { hasText: 'How warm is the kitchen?' }).waitFor({ timeout: 15_000 });
    await page.locator('smol-chat [data-testid=answer]', { hasText: 'It is 21.5 °C in the kitchen.' }).waitFor({ timeout: 30_000 });
    await page.locator('smol-chat button', { hasText: 'Send' }).waitFor({ timeout: 15_000 });
    t.pass('the answer appeared');
    const tool = page.locator('smol-chat [data-testid=tool-call]');
    t.match(await tool.locator('summary').innerText(), /read_source\(\{"source":"test.temp"\}\)/, 'the tool call is shown');
    await tool.locator('summary').click();
    t.match(await tool.locator('pre').innerText(), /21\.5/, 'with its result');
    t.match(await page.locator('smol-chat [data-testid=answer]').innerText(), /<img src=x/, 'markup in an answer shows as text');
    t.equal(await page.locator('smol-chat img').count(), 0, 'no <img> element was created');
    t.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    await page.screenshot({ path: join(shots, 'chat.png') });
    const asked: unknown[] = [];
    for await (const e of journal.read({ types: ['agent.asked'] })) asked.push(e.event.data);
    t.match(asked, [{ question: 'How warm is the kitchen?', via: 'ui' }], 'the question is journaled');
  });

  await t.test('the nodes page shows the peer with its last sync, lag and clock skew, and the version vector', async (t) => {
    await open('nodes', 'Nodes and sync');
    const row = page.locator(`smol-nodes tr[data-origin="${hub.journal.nodeId}"]`);
    await row.waitFor({ timeout: 15_000 });
    const text = await row.innerText();
    t.match(text, /hub/);
    t.match(text, /llama/);
    t.match(text, /\+1\.5 s/, 'the hub\'s clock is 1.5 s ahead');
    const cells = await row.locator('td').allInnerTexts();
    t.equal(cells[8], String(journal.vector()[journal.nodeId]! - (mine - 2)), 'lag: the events the hub lacked at the last sync');
    await page.locator('smol-nodes .empty', { hasText: 'does not sync over HTTP' }).waitFor();
    t.match(await page.locator('smol-nodes [data-testid=vector]').innerText(), new RegExp(`hub\\s+${hub.journal.nodeId}\\s+2`), 'the vector names each origin');
    await page.screenshot({ path: join(shots, 'nodes-sync.png') });
  });

  t.same(errors, [], 'no script errors');
  t.same(external, [], 'nothing is loaded from anywhere but the node');
});
