import { Ollama } from 'ollama';
import type { Config } from '../../config/schema.js';
import { ErrorCodes } from '../../../core/errors.js';
import { fail, fetchWithin, ok, reason, warn, type CheckResult } from './check.js';
import type { OnProgress } from '../progress.js';

/** Listing and showing models is quick; a pull is as slow as the network and is not bounded. */
const QUICK_MS = 5000;

/** Where a pull reports: a status change (`pulling manifest`, `success`) and bytes of the current layer. */
export interface PullReporter {
  status(model: string, status: string): void;
  readonly progress: OnProgress;
  finish(): void;
}

/** Ollama's name for a model without a tag is `<name>:latest`. */
const sameModel = (a: string, b: string) => a === b || a === `${b}:latest` || `${a}:latest` === b;

function quickClient(host: string): Ollama {
  return new Ollama({ host, fetch: (input, init) => fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(QUICK_MS)]) : AbortSignal.timeout(QUICK_MS) }) });
}

/**
 * The LLM server and the configured chat and embedding models, through the real `ollama` client
 * (list, then show for each model). With `pull`, models it lacks are pulled first, reporting to
 * `reporter`. An OpenAI-compatible server is only checked for an answer on /models.
 */
export async function checkModels(config: Config, options: { pull: boolean; reporter: PullReporter }): Promise<CheckResult[]> {
  const { llm } = config;
  if (llm.provider === 'openai') return [await checkOpenAiServer(config)];
  const client = quickClient(llm.host);
  let installed: string[];
  try {
    installed = (await client.list()).models.map((m) => m.name);
  } catch (err) {
    return [
      fail('ollama', `not reachable at ${llm.host}: ${reason(err)}`, `install and start Ollama (https://ollama.com/download; sudo systemctl start ollama) or set llm.host; then ollama pull ${llm.model} and ollama pull ${llm.embeddings.model} (or smollama doctor --pull)`, ErrorCodes.LLM_UNREACHABLE),
    ];
  }
  const version = await client.version().then((v) => ` (Ollama ${v.version})`, () => '');
  const results: CheckResult[] = [ok('ollama', `reachable at ${llm.host}${version}, ${installed.length} model(s) installed`)];
  const wanted = [
    { name: 'chat model', model: llm.model, key: 'llm.model', fallback: undefined },
    {
      name: 'embedding model', model: llm.embeddings.model, key: 'llm.embeddings.model',
      fallback: llm.embeddings.offlineFallback ? 'the node embeds with the offline n-gram embedder meanwhile (recall is weaker)' : undefined,
    },
  ];
  for (const w of wanted) {
    if (!installed.some((m) => sameModel(m, w.model)) && options.pull) {
      const pulled = await pullModel(llm.host, w.model, options.reporter);
      if (pulled !== undefined) {
        results.push(fail(w.name, `${w.model}: the pull failed: ${pulled}`, `check the model name (${w.key}) and the network, then: ollama pull ${w.model}`, ErrorCodes.NOT_FOUND));
        continue;
      }
      installed = (await client.list()).models.map((m) => m.name);
    }
    results.push(await modelResult(client, installed, w));
  }
  return results;
}

async function modelResult(client: Ollama, installed: readonly string[], w: { name: string; model: string; key: string; fallback: string | undefined }): Promise<CheckResult> {
  if (!installed.some((m) => sameModel(m, w.model))) {
    const remedy = `ollama pull ${w.model} (or smollama doctor --pull), or set ${w.key} to an installed model`;
    const message = `${w.model} is not installed in Ollama`;
    return w.fallback ? warn(w.name, `${message}; ${w.fallback}`, remedy, ErrorCodes.NOT_FOUND) : fail(w.name, message, remedy, ErrorCodes.NOT_FOUND);
  }
  try {
    const shown = await client.show({ model: w.model });
    const d = shown.details;
    const caps = shown.capabilities?.length ? `, ${shown.capabilities.join('/')}` : '';
    return ok(w.name, `${w.model} (${[d?.parameter_size, d?.quantization_level].filter(Boolean).join(' ') || d?.family || 'installed'}${caps})`);
  } catch (err) {
    return fail(w.name, `${w.model} is listed but Ollama cannot show it: ${reason(err)}`, `ollama pull ${w.model} again (its files may be damaged)`, ErrorCodes.LLM_BAD_OUTPUT);
  }
}

/** Pulls one model with a streamed progress; resolves with a problem, or undefined when it succeeded. */
async function pullModel(host: string, model: string, reporter: PullReporter): Promise<string | undefined> {
  const client = new Ollama({ host });
  let last = '';
  try {
    const stream = await client.pull({ model, stream: true });
    for await (const p of stream) {
      if (p.status !== last) {
        reporter.status(model, p.status);
        last = p.status;
      }
      if (p.total) reporter.progress(p.completed ?? 0, p.total);
    }
    return last === 'success' ? undefined : `it ended with "${last || 'nothing'}"`;
  } catch (err) {
    return reason(err);
  } finally {
    reporter.finish();
  }
}

async function checkOpenAiServer(config: Config): Promise<CheckResult> {
  const url = `${config.llm.host.replace(/\/$/, '')}/models`;
  try {
    const res = await fetchWithin(url, QUICK_MS, config.llm.apiKey ? { headers: { authorization: `Bearer ${config.llm.apiKey}` } } : {});
    if (!res.ok) return fail('llm server', `${url} answered ${res.status}`, 'check llm.host and llm.apiKey', ErrorCodes.LLM_UNREACHABLE);
    return ok('llm server', `OpenAI-compatible server answers at ${config.llm.host} (models are not checked: --pull is for Ollama)`);
  } catch (err) {
    return fail('llm server', `not reachable at ${config.llm.host}: ${reason(err)}`, 'start the server, or fix llm.host', ErrorCodes.LLM_UNREACHABLE);
  }
}
