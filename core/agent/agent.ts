import { isSmolError, ErrorCodes, SmolError } from '../errors.js';
import type { EventDraft } from '../events/event.js';
import type { EventDataMap } from '../events/core-events.js';
import type { LlmChatRequest, LlmChatResult, LlmFormat, LlmImage, LlmMessage, LlmPort, LlmSampling, LlmToolCall, LlmToolChoice, LlmToolSpec } from '../llm/llm-port.js';
import type { ToolRegistry } from '../tools/registry.js';
import { systemPrompt } from './system-prompt.js';

export interface AgentDeps {
  readonly llm: LlmPort;
  readonly tools: ToolRegistry;
  readonly journal: { append(drafts: readonly EventDraft[]): Promise<unknown> };
  readonly nodeName: string;
  readonly nodeId: string;
  /** Most model calls per question (each may call tools). */
  readonly maxIterations: number;
  /** Appended to the system prompt. */
  readonly instructions?: string;
  readonly now?: () => number;
  readonly newId: () => string;
  /** Tool results longer than this (JSON characters) are cut before the model sees them. */
  readonly maxToolResultChars?: number;
}

export interface AskOptions extends LlmSampling {
  /** The channel the question came through (journaled). */
  readonly via: 'cli' | 'api' | 'mqtt' | 'ui';
  /** Earlier turns: OpenAI-style clients send the whole conversation each time. A system message there is added to ours. */
  readonly history?: readonly LlmMessage[];
  /** Images with the question, for a vision model (the caller has checked the model takes them). */
  readonly images?: readonly LlmImage[];
  /** Tools the client runs itself: a call to one ends the loop and is handed back. */
  readonly clientTools?: readonly LlmToolSpec[];
  readonly model?: string;
  /**
   * 'auto' (default); 'none': no tools are offered; 'required' / a named tool: the first turn must
   * call a tool (that one, the only one offered then), else SMOL_LLM_BAD_OUTPUT. Later turns are 'auto'.
   */
  readonly toolChoice?: LlmToolChoice;
  /** Structured output of the answer, on every turn (LlmChatRequest.format). */
  readonly format?: LlmFormat;
  readonly formatName?: string;
  readonly formatStrict?: boolean;
  /** Which node tools this caller may use (default: all); others are neither offered nor run. */
  readonly allowTool?: (name: string) => boolean;
  /** When given, answers are streamed: each piece of content as it arrives. */
  readonly onDelta?: (text: string) => void;
  /** Told of each node tool call as it completes (the dashboard's chat shows them). */
  readonly onToolCall?: (call: LlmToolCall, outcome: ToolCallOutcome) => void;
  readonly signal?: AbortSignal;
}

/** How one node tool call ended, as the model is told. */
export type ToolCallOutcome =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

export interface AgentAnswer {
  readonly conversationId: string;
  readonly answer: string;
  readonly model: string;
  readonly iterations: number;
  /** Node tool calls made. */
  readonly toolCalls: number;
  /** Calls to the client's own tools, for it to run ('tool_calls' finish). */
  readonly clientToolCalls: readonly LlmToolCall[];
  readonly finishReason: 'stop' | 'length' | 'tool_calls';
  readonly usage: { promptTokens: number; completionTokens: number };
}

/**
 * The tool loop: the model gets the question, the node's tools (and the client's, if any), and up
 * to `maxIterations` turns. Node tools run through the registry, so every call is journaled; a
 * failing call — unknown tool, invalid arguments, a tool error — goes back to the model as an error
 * result, never a crash. The question and the answer are journaled as agent.asked / agent.answered.
 */
export class Agent {
  constructor(private readonly deps: AgentDeps) {}

  get model(): string {
    return this.deps.llm.model;
  }

  /** Answers one question. Throws SMOL_LLM_* when the model cannot be reached (journaled as a failed answer). */
  async ask(question: string, options: AskOptions): Promise<AgentAnswer> {
    const now = this.deps.now ?? Date.now;
    const started = now();
    const conversationId = this.deps.newId();
    const model = options.model ?? this.deps.llm.model;
    // Checked before anything is journaled: a refused question changes nothing.
    const { allowed, clientSpecs, tools, firstTurn } = this.plan(options);
    await this.deps.journal.append([{ type: 'agent.asked', data: { conversationId, question, via: options.via, model } satisfies EventDataMap['agent.asked'] }]);

    const history = options.history ?? [];
    const extraSystem = history.filter((m) => m.role === 'system').map((m) => m.content);
    const messages: LlmMessage[] = [
      { role: 'system', content: systemPrompt({ nodeName: this.deps.nodeName, nodeId: this.deps.nodeId, now: started, instructions: [this.deps.instructions ?? '', ...extraSystem].filter(Boolean).join('\n') }) },
      ...history.filter((m) => m.role !== 'system'),
      ...(question || options.images?.length ? [{ role: 'user' as const, content: question, ...(options.images?.length ? { images: options.images } : {}) }] : []),
    ];
    const clientNames = new Set(clientSpecs.map((t) => t.name));
    const registers = new Map<string, unknown>();
    const caller = { kind: 'agent' as const, via: options.via, conversationId };
    const usage = { promptTokens: 0, completionTokens: 0 };
    let iterations = 0;
    let toolCalls = 0;
    let answer = '';
    let finishReason: AgentAnswer['finishReason'] = 'stop';
    let clientToolCalls: LlmToolCall[] = [];
    let answeredModel = model;

    try {
      for (;;) {
        iterations += 1;
        const last = iterations >= this.deps.maxIterations;
        const first = iterations === 1 && firstTurn !== undefined;
        // On the last turn the model must answer with what it has (or call the client's tools).
        const offered = first ? firstTurn.tools : !last ? tools : clientSpecs;
        const request: LlmChatRequest = {
          // Ollama cannot be made to call a tool: the first turn's system prompt asks for it, and the answer is checked below.
          messages: first ? [{ ...messages[0]!, content: `${messages[0]!.content}\n${firstTurn.instruction}` }, ...messages.slice(1)] : messages,
          model,
          ...(offered.length ? { tools: offered } : {}),
          ...(first ? { toolChoice: firstTurn.choice } : {}),
          ...sampling(options),
          ...(options.signal ? { signal: options.signal } : {}),
        };
        const res = options.onDelta ? await this.streamTurn(request, options.onDelta) : await this.deps.llm.chat(request);
        if (first && !res.toolCalls.some((c) => firstTurn.tools.some((t) => t.name === c.name))) {
          throw new SmolError(ErrorCodes.LLM_BAD_OUTPUT, `tool_choice asked for a call to ${firstTurn.choice === 'required' ? 'a tool' : `the tool "${firstTurn.tools[0]!.name}"`}; the model answered without one`);
        }
        answeredModel = res.model;
        usage.promptTokens += res.usage.promptTokens;
        usage.completionTokens += res.usage.completionTokens;
        messages.push({ role: 'assistant', content: res.content, ...(res.toolCalls.length ? { toolCalls: res.toolCalls } : {}) });
        if (res.toolCalls.length === 0 || options.toolChoice === 'none' || (last && !res.toolCalls.some((c) => clientNames.has(c.name)))) {
          answer = res.content;
          finishReason = res.doneReason === 'length' ? 'length' : 'stop';
          break;
        }
        for (const call of last ? [] : res.toolCalls.filter((c) => !clientNames.has(c.name))) {
          toolCalls += 1;
          const outcome = allowed(call.name)
            ? await this.deps.tools.call(call.name, call.arguments, { caller, registers, ...(options.signal ? { signal: options.signal } : {}) })
            : { ok: false as const, error: { code: ErrorCodes.FORBIDDEN, message: `${call.name} is not available to this caller` } };
          options.onToolCall?.(call, outcome);
          const body = outcome.ok ? outcome.result : { error: outcome.error };
          messages.push({ role: 'tool', toolCallId: call.id, toolName: call.name, content: this.cut(JSON.stringify(body ?? null)) });
        }
        clientToolCalls = res.toolCalls.filter((c) => clientNames.has(c.name));
        if (clientToolCalls.length > 0) {
          answer = res.content;
          finishReason = 'tool_calls';
          break;
        }
      }
    } catch (err) {
      const error = { code: isSmolError(err) ? err.code : ErrorCodes.LLM_BAD_OUTPUT, message: (err as Error)?.message ?? String(err) };
      await this.answered({ conversationId, answer: '', model, iterations, toolCalls, usage, durationMs: now() - started, error });
      throw err;
    }
    await this.answered({ conversationId, answer, model: answeredModel, iterations, toolCalls, usage, durationMs: now() - started });
    return { conversationId, answer, model: answeredModel, iterations, toolCalls, clientToolCalls, finishReason, usage };
  }

  /**
   * Checks the tool options as `ask` will (client tool names, tool_choice), without asking: a caller
   * that streams checks first, so a bad request is a 400 before its answer has begun. Throws SMOL_BAD_REQUEST.
   */
  check(options: AskOptions): void {
    this.plan(options);
  }

  /** The tools a question offers, and what its first turn must do. Throws SMOL_BAD_REQUEST. */
  private plan(options: AskOptions) {
    const allowed = (name: string) => options.allowTool?.(name) ?? true;
    this.checkClientTools(options.clientTools ?? []);
    const nodeTools = options.toolChoice === 'none' ? [] : this.deps.tools.specs().filter((t) => allowed(t.name));
    const clientSpecs = options.toolChoice === 'none' ? [] : (options.clientTools ?? []);
    const tools = [...nodeTools, ...clientSpecs];
    return { allowed, clientSpecs, tools, firstTurn: firstTurnTools(options.toolChoice, tools) };
  }

  /**
   * The names of the node's tools are reserved: a client tool of the same name would silently
   * replace a tool the node journals and guards, so it is refused (whether or not this caller may
   * use the node's tool), as is a name given twice. Throws SMOL_BAD_REQUEST naming the field.
   */
  private checkClientTools(clientTools: readonly LlmToolSpec[]): void {
    const node = new Set(this.deps.tools.specs().map((t) => t.name));
    const seen = new Set<string>();
    clientTools.forEach((t, i) => {
      const param = `tools.${i}.function.name`;
      if (node.has(t.name)) throw new SmolError(ErrorCodes.BAD_REQUEST, `${param}: "${t.name}" is the name of one of this node's tools (GET /api/tools lists them); give your tool another name`, { details: { param } });
      if (seen.has(t.name)) throw new SmolError(ErrorCodes.BAD_REQUEST, `${param}: "${t.name}" is given twice`, { details: { param } });
      seen.add(t.name);
    });
  }

  private async answered(data: EventDataMap['agent.answered']): Promise<void> {
    await this.deps.journal.append([{ type: 'agent.answered', data }]);
  }

  /** One streamed turn, forwarding content as it comes, collected into a result. */
  private async streamTurn(request: LlmChatRequest, onDelta: (text: string) => void): Promise<LlmChatResult> {
    let content = '';
    const toolCalls: LlmToolCall[] = [];
    let model = request.model ?? this.deps.llm.model;
    let doneReason = 'stop';
    let usage = { promptTokens: 0, completionTokens: 0 };
    for await (const chunk of this.deps.llm.chatStream(request)) {
      model = chunk.model;
      if (chunk.contentDelta) {
        content += chunk.contentDelta;
        onDelta(chunk.contentDelta);
      }
      toolCalls.push(...chunk.toolCalls);
      if (chunk.done) {
        doneReason = chunk.doneReason ?? 'stop';
        usage = { ...(chunk.usage ?? usage) };
      }
    }
    return { model, content, toolCalls, doneReason, usage };
  }

  private cut(s: string): string {
    const max = this.deps.maxToolResultChars ?? 8000;
    return s.length <= max ? s : `${s.slice(0, max)}… (cut: ${s.length} characters)`;
  }
}

/** What the first turn offers and asks for when tool_choice demands a call; undefined for 'auto' and 'none'. Throws SMOL_BAD_REQUEST for a name that is not offered. */
function firstTurnTools(choice: LlmToolChoice | undefined, tools: readonly LlmToolSpec[]): { tools: readonly LlmToolSpec[]; choice: LlmToolChoice; instruction: string } | undefined {
  if (choice === undefined || choice === 'auto' || choice === 'none') return undefined;
  if (choice === 'required') {
    if (tools.length === 0) throw new SmolError(ErrorCodes.BAD_REQUEST, 'tool_choice: "required" needs at least one tool', { details: { param: 'tool_choice' } });
    return { tools, choice, instruction: 'Answer this turn by calling one of the tools.' };
  }
  const tool = tools.find((t) => t.name === choice.name);
  if (!tool) throw new SmolError(ErrorCodes.BAD_REQUEST, `tool_choice: no tool "${choice.name}" is offered to this caller`, { details: { param: 'tool_choice' } });
  return { tools: [tool], choice, instruction: `Answer this turn by calling the tool "${tool.name}".` };
}

/** The sampling settings that were given, for the model request. */
function sampling(o: LlmSampling & Pick<AskOptions, 'format' | 'formatName' | 'formatStrict'>): Partial<LlmChatRequest> {
  return {
    ...(o.temperature !== undefined ? { temperature: o.temperature } : {}),
    ...(o.maxTokens !== undefined ? { maxTokens: o.maxTokens } : {}),
    ...(o.topP !== undefined ? { topP: o.topP } : {}),
    ...(o.stop?.length ? { stop: o.stop } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(o.format !== undefined ? { format: o.format } : {}),
    ...(o.formatName !== undefined ? { formatName: o.formatName } : {}),
    ...(o.formatStrict !== undefined ? { formatStrict: o.formatStrict } : {}),
  };
}
