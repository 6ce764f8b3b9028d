import t from 'tap';
import type { TemplateResult } from 'lit';
import { llmHelp } from '../ui/src/llm-help.js';

/** A step's text as the page shows it (template strings with their values in between). */
const text = (step: TemplateResult) => step.strings.reduce((out, s, i) => out + s + (i < step.values.length ? String(step.values[i]) : ''), '').replace(/<[^>]+>/g, '');

t.test('a missing model: pull it by its configured name', async (t) => {
  const help = llmHelp({ code: 'SMOL_LLM_UNREACHABLE', message: 'ollama chat stream (qwen2.5:1.5b): HTTP 404: model "qwen2.5:1.5b" not found, try pulling it first', status: 404 }, 'qwen2.5:1.5b', 'ollama')!;
  t.match(help.title, /qwen2\.5:1\.5b is not installed/);
  t.match(help.steps.map(text).join('\n'), /ollama pull qwen2\.5:1\.5b[\s\S]*smollama doctor/);
});

t.test('no model server: start Ollama (service or ollama serve), never the raw ECONNREFUSED', async (t) => {
  const help = llmHelp({ code: 'SMOL_LLM_UNREACHABLE', message: 'ollama chat stream (qwen2.5:1.5b): ECONNREFUSED' }, 'qwen2.5:1.5b', 'ollama')!;
  t.notMatch(help.title, /ECONNREFUSED/);
  const steps = help.steps.map(text).join('\n');
  t.match(steps, /sudo systemctl start ollama/);
  t.match(steps, /ollama serve/);
  t.match(steps, /smollama doctor/);
});

t.test('a timeout: ask again, a smaller model or llm.timeoutMs', async (t) => {
  const help = llmHelp({ code: 'SMOL_LLM_TIMEOUT', message: 'no answer in time' }, 'llama3.2:3b', 'ollama')!;
  t.match(help.title, /llama3\.2:3b did not answer in time/);
  t.match(help.steps.map(text).join('\n'), /llm\.timeoutMs/);
});

t.test('an OpenAI-compatible server is not told to run ollama; other errors get no help', async (t) => {
  const help = llmHelp({ code: 'SMOL_LLM_UNREACHABLE', message: 'connect ECONNREFUSED' }, 'local', 'openai')!;
  t.notMatch(help.steps.map(text).join('\n'), /\bollama\b/, 'no ollama command (smollama doctor is fine)');
  t.match(help.steps.map(text).join('\n'), /llm\.host/);
  t.equal(llmHelp({ code: 'SMOL_TOOL_FAILED', message: 'x' }, 'm', 'ollama'), undefined);
  t.match(llmHelp({ code: 'SMOL_LLM_UNREACHABLE', message: 'HTTP 404: model not found', status: 404 }, '', '')!.title, /<llm\.model>/, 'no model name known: the setting is named');
});
