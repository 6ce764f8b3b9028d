import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { Page } from 'playwright-core';
import { buildUi } from '../ui/build.js';
import type { LevelJournal } from '../core/journal/level-journal.js';
import { httpNode } from './helpers/http-node.js';
import { nodeAgent } from './helpers/node-agent.js';
import { FakeOllama } from './helpers/fake-ollama.js';
import { testNode, exportFor, importInto } from './helpers/segment-fixtures.js';
import { axeCheck, describeViolations } from './helpers/axe.js';
import { openBrowser, skipWithoutChromium } from './helpers/browser.js';
import { tempDir } from './helpers/temp-dir.js';

/** No serious axe violation in the page's current state (a detail open, an error shown). */
async function noSeriousViolation(t: Test, page: Page, what: string): Promise<void> {
  const { serious } = await axeCheck(page);
  t.same(serious.map((v) => v.id), [], `${what}: no serious or critical axe violation${serious.length ? `\n${describeViolations(serious)}` : ''}`);
}

t.test('the journal detail (hash, size, who delivered it, copy id, filter chips) and chat help when the model cannot be reached', { skip: skipWithoutChromium() ?? false }, async (t) => {
  const uiDir = await buildUi({ outDir: join(tempDir(t, 'smollama-ui-'), 'dist'), minify: true });
  // Ollama without the chat model: a chat is a 404, as when `ollama pull` was never run.
  const fake = await FakeOllama.start({ models: ['all-minilm'] });
  let fakeClosed = false;
  t.teardown(() => (fakeClosed ? undefined : fake.close()));
  const { app, journal } = await httpNode(t, async (node) => ({ uiDir, ...(await nodeAgent(t, fake)(node)) }));

  // A hub's feed arrives on a USB stick; this node journals the import.
  const hub = await testNode();
  t.teardown(() => hub.journal.close());
  await hub.journal.append([{ type: 'node.started', data: { name: 'hub', role: 'llama', publicKey: hub.journal.publicKey, software: 'test' } }]);
  await importInto({ journal: journal as LevelJournal, sign: hub.sign }, await exportFor(hub, {}), [hub]);
  const hubHead = journal.heads().get(hub.journal.nodeId)!;
  await journal.append([{ type: 'sync.completed', data: { peer: hub.journal.nodeId, peerName: 'hub', via: 'usb', sent: 0, received: hubHead.seq, bytesSent: 0, bytesReceived: 900, peerVector: { [hub.journal.nodeId]: hubHead.seq }, durationMs: 5, clockOffsetMs: null } }]);
  const own = await journal.appendOne('node.stopped', { reason: 'a reason long enough to wrap on a phone: '.repeat(4) });

  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  const { context, page, errors, external } = await openBrowser(t, { viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base.slice(0, -1) });

  await t.test('an event of this node opens in full: pretty JSON, id with a copy button, hash, size, time, written here', async (t) => {
    await page.goto(`${base}#/journal`);
    const row = page.locator(`smol-journal tr[data-position="${own.position}"]`);
    await row.waitFor({ timeout: 15_000 });
    await row.click();
    const detail = page.locator('smol-event-detail [data-testid=event-detail]');
    await detail.locator('[data-testid=event-hash]').waitFor({ timeout: 5000 });
    t.equal(await detail.locator('[data-testid=event-id]').innerText(), own.event.id);
    t.match(await detail.locator('[data-testid=event-hash]').innerText(), /^[0-9a-f]{64}$/);
    t.match(await detail.locator('[data-testid=event-size]').innerText(), /\d+ B.*\(\d+ bytes stored\)/);
    t.match(await detail.locator('[data-testid=delivered-by]').innerText(), /written on this node/);
    t.match(await detail.locator('[data-testid=event-data]').innerText(), /^\{\n {2}"reason": "a reason/, 'the data as indented JSON');
    t.match(await detail.innerText(), /ago|just now/, 'the time relative too');
    await detail.locator('[data-testid=copy-id]').click();
    await detail.locator('[data-testid=copy-id]', { hasText: 'Copied' }).waitFor({ timeout: 5000 });
    t.equal(await page.evaluate(() => navigator.clipboard.readText()), own.event.id, 'the id is on the clipboard');
    await noSeriousViolation(t, page, 'the journal with a detail open');
  });

  await t.test("another node's event names the peer that delivered it", async (t) => {
    await page.locator('smol-journal tr', { hasText: 'node.started' }).filter({ hasText: 'hub' }).first().click();
    const delivered = page.locator('smol-event-detail [data-testid=delivered-by]');
    await delivered.waitFor({ timeout: 5000 });
    await page.locator('smol-event-detail [data-testid=delivered-by]', { hasText: 'USB stick' }).waitFor({ timeout: 5000 });
    t.match(await delivered.innerText(), /hub .* over a USB stick/);
  });

  await t.test('filters are chips: added from the detail or the form, kept in the address, removable', async (t) => {
    await page.locator('smol-event-detail button', { hasText: 'Only this type' }).click();
    await page.locator('smol-journal [data-testid=filter-chip][data-kind=type][data-value="node.started"]').waitFor();
    await page.waitForFunction(() => location.hash === '#/journal?type=node.started');
    await page.waitForFunction(() => [...(document.querySelector('smol-app')?.shadowRoot?.querySelector('smol-journal')?.shadowRoot?.querySelectorAll('tbody tr td:nth-child(3)') ?? [])].every((td) => td.textContent === 'node.started'));
    await page.locator('smol-journal select[name=node]').selectOption({ label: 'hub' });
    await page.locator('smol-journal button', { hasText: 'Add filter' }).click();
    const nodeChip = page.locator(`smol-journal [data-testid=filter-chip][data-kind=node][data-value="${hub.journal.nodeId}"]`);
    await nodeChip.waitFor();
    t.match(await nodeChip.innerText(), /node: hub/, 'the node chip says its name');
    await page.waitForFunction(() => (document.querySelector('smol-app')?.shadowRoot?.querySelector('smol-journal')?.shadowRoot?.querySelectorAll('tbody tr').length ?? 0) === 1);
    t.pass('one event of type node.started from the hub');
    await noSeriousViolation(t, page, 'the journal with filter chips');
    await page.locator('smol-journal [data-testid=filter-chip][data-kind=type] button').click();
    await page.waitForFunction((id) => location.hash === `#/journal?node=${id}`, hub.journal.nodeId);
    t.equal(await page.locator('smol-journal [data-testid=filter-chip]').count(), 1, 'removing a chip removes that filter only');
    await page.goto(`${base}#/journal?type=sync.completed`);
    await page.locator('smol-journal [data-testid=filter-chip][data-value="sync.completed"]').waitFor({ timeout: 10_000 });
    t.pass('a link with ?type= opens the journal filtered');
  });

  await t.test('on a phone the detail reads without sideways scrolling', async (t) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}#/journal`);
    await page.locator(`smol-journal tr[data-position="${own.position}"]`).click();
    await page.locator('smol-event-detail [data-testid=event-hash]').waitFor({ timeout: 5000 });
    const fits = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, window: window.innerWidth }));
    t.ok(fits.page <= fits.window, `the page does not scroll sideways (scroll width ${fits.page}, window ${fits.window})`);
    const box = (await page.locator('smol-event-detail [data-testid=event-hash]').boundingBox())!;
    t.ok(box.x >= 0 && box.x + box.width <= 390, 'the 64-character hash wraps inside the screen');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  /** Asks in the chat and returns the help shown for that answer (the chat keeps earlier turns). */
  const ask = async (question: string) => {
    await page.goto(`${base}#/chat`);
    const before = await page.locator('smol-chat [data-testid=llm-help]').count();
    await page.locator('smol-chat input[name=question]').fill(question);
    await page.locator('smol-chat input[name=question]').press('Enter');
    return page.locator('smol-chat [data-testid=llm-help]').nth(before);
  };

  await t.test('a model that is not installed: the chat says to pull it by name', async (t) => {
    const help = await ask('How warm is it?');
    await help.waitFor({ timeout: 30_000 });
    t.match(await help.locator('strong').innerText(), /The model qwen2\.5:1\.5b is not installed/);
    t.match(await help.innerText(), /ollama pull qwen2\.5:1\.5b/);
    t.match(await help.innerText(), /smollama doctor/);
    t.equal(await help.getAttribute('data-code'), 'SMOL_LLM_UNREACHABLE', 'the code stays, small');
    t.equal(await help.locator('details').getAttribute('open'), null, 'the raw message is folded away');
    await noSeriousViolation(t, page, 'the chat with help for a missing model');
  });

  await t.test('no model server at all: the chat says to start Ollama, not ECONNREFUSED', async (t) => {
    await fake.close();
    fakeClosed = true;
    const help = await ask('And now?');
    await help.waitFor({ timeout: 30_000 });
    const title = await help.locator('strong').innerText();
    t.match(title, /cannot reach its model server/);
    t.notMatch(title, /ECONNREFUSED|fetch failed/);
    t.match(await help.innerText(), /systemctl start ollama.*ollama serve/s);
    t.match(await help.innerText(), /ollama pull qwen2\.5:1\.5b/);
  });

  t.same(errors, [], 'no script errors');
  t.same(external, [], 'nothing is loaded from anywhere but the node');
});
