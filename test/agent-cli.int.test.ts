import t from 'tap';
import { main } from '../adapters/cli/main.js';
import { openDataDirJournal } from '../adapters/cli/data-dir.js';
import { FakeOllama } from './helpers/fake-ollama.js';
import { tempDir } from './helpers/temp-dir.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, output: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) } };
}

t.test('smollama ask answers through the agent on the journal and journals the exchange', async (t) => {
  const dir = tempDir(t);
  const fake = await FakeOllama.start();
  t.teardown(() => fake.close());
  fake.script({ toolCalls: [{ name: 'list_sources', arguments: {} }] }, { content: 'No sensors have reported yet.' });
  const c = capture();
  const code = await main(['ask', 'What do you see?', '--data-dir', dir, '--set', `llm.host=${fake.url}`, '--set', 'llm.retries=0'], c.output, {}, dir);
  t.equal(code, 0, c.err.join('\n'));
  t.same(c.out, ['No sensors have reported yet.']);
  const journal = await openDataDirJournal(dir); // its key is in node.key
  const types: string[] = [];
  for await (const e of journal.read({ types: ['agent.asked', 'tool.called', 'tool.completed', 'agent.answered'] })) types.push(e.event.type);
  await journal.close();
  t.same(types, ['agent.asked', 'tool.called', 'tool.completed', 'agent.answered']);

  fake.script({ content: 'Still nothing.' });
  const j = capture();
  t.equal(await main(['ask', 'And now?', '--json', '--data-dir', dir, '--set', `llm.host=${fake.url}`], j.output, {}, dir), 0);
  t.match(JSON.parse(j.out.join('\n')), { answer: 'Still nothing.', model: 'qwen2.5:1.5b', via: 'journal', toolCalls: 0 });
});

t.test('smollama ask with no model reachable fails with SMOL_LLM_UNREACHABLE', async (t) => {
  const dir = tempDir(t);
  const fake = await FakeOllama.start();
  const url = fake.url;
  await fake.close();
  const c = capture();
  const code = await main(['ask', 'hello?', '--data-dir', dir, '--set', `llm.host=${url}`, '--set', 'llm.retries=0'], c.output, {}, dir);
  t.equal(code, 1);
  t.match(c.err.join('\n'), /error SMOL_LLM_UNREACHABLE/);
});

t.test('smollama ask needs a question', async (t) => {
  const c = capture();
  t.equal(await main(['ask'], c.output, {}, tempDir(t)), 2);
  t.match(c.err.join('\n'), /SMOL_CLI_USAGE: ask needs <question>/);
});

t.test('while the node runs, smollama ask goes through its /v1 API', async (t) => {
  const { startNode } = await import('../adapters/cli/commands/start.js');
  const { loadConfig } = await import('../adapters/config/load-config.js');
  const dir = tempDir(t);
  const fake = await FakeOllama.start();
  t.teardown(() => fake.close());
  const flags = { dataDir: dir, port: '0', set: [`llm.host=${fake.url}`, 'mqtt.enabled=false', 'sensors.system.enabled=false', 'sensors.gpio.enabled=false', 'observer.enabled=false'] };
  const config = await loadConfig({ env: {}, flags, cwd: dir });
  const quiet = capture();
  const running = await startNode(config, quiet.output);
  t.teardown(() => running.stop('test'));
  fake.script({ content: 'Answered by the running node.' });
  const c = capture();
  const code = await main(['ask', 'are you there?', '--json', '--data-dir', dir, '--set', `llm.host=${fake.url}`], c.output, {}, dir);
  t.equal(code, 0, c.err.join('\n'));
  t.match(JSON.parse(c.out.join('\n')), { answer: 'Answered by the running node.', via: 'running node' });
});
