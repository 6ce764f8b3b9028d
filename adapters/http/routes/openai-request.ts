import { z } from 'zod';
import { ErrorCodes, SmolError } from '../../../core/errors.js';
import type { AskOptions } from '../../../core/agent/agent.js';
import type { LlmImage, LlmMessage, LlmToolChoice, LlmToolSpec } from '../../../core/llm/llm-port.js';
import { checkImageCount, imagesOf } from './openai-images.js';

/** What /v1/chat/completions reads of OpenAI's request body; other fields are accepted and ignored. */

const Content = z.union([
  z.string(),
  z.null(),
  z.array(z.object({ type: z.string(), text: z.string().optional() }).passthrough()),
]);
const Message = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
    content: Content.optional(),
    name: z.string().optional(),
    tool_call_id: z.string().optional(),
    tool_calls: z.array(z.object({ id: z.string(), type: z.literal('function').default('function'), function: z.object({ name: z.string(), arguments: z.string() }) })).optional(),
  })
  .passthrough();
const ToolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1) }) }),
]);
const ResponseFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name: z.string().min(1).max(64),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullish(),
    }),
  }),
]);
export const ChatBody = z
  .object({
    model: z.string().optional(),
    messages: z.array(Message).min(1),
    stream: z.boolean().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).passthrough().nullish(),
    tools: z.array(z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1), description: z.string().optional(), parameters: z.record(z.string(), z.unknown()).optional() }) })).optional(),
    tool_choice: ToolChoice.nullish(),
    response_format: ResponseFormat.nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    // OpenAI takes up to 4 stop sequences.
    stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
    seed: z.number().int().nullish(),
    max_tokens: z.number().int().positive().nullish(),
    max_completion_tokens: z.number().int().positive().nullish(),
    n: z.number().int().min(1).max(1).nullish(),
  })
  .passthrough();
export type ChatBody = z.infer<typeof ChatBody>;

export const EmbedBody = z
  .object({
    input: z.union([z.string(), z.array(z.string()).min(1).max(256)]),
    model: z.string().optional(),
    encoding_format: z.enum(['float', 'base64']).optional(),
    dimensions: z.number().int().positive().optional(),
  })
  .passthrough();

/** Parses a body; throws SMOL_BAD_REQUEST naming the first wrong field as `param`. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  throw new SmolError(ErrorCodes.BAD_REQUEST, `${i.path.join('.') || 'body'}: ${i.message}`, { details: { param: i.path.join('.') } });
}

function text(content: z.infer<typeof Content> | undefined): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content.map((p) => (p.type === 'text' ? (p.text ?? '') : '')).join('');
}

/**
 * The conversation in the agent's terms: history, and the question (the last user message; empty
 * after tool results) with its images. `imageCount` counts every message's. Throws
 * SMOL_BAD_REQUEST, SMOL_FRAME_INVALID, SMOL_IMAGE_URL_REFUSED (openai-images.ts).
 */
export function conversation(messages: z.infer<typeof Message>[]): { history: LlmMessage[]; question: string; images: LlmImage[]; imageCount: number } {
  const names = new Map<string, string>();
  let imageCount = 0;
  const out: LlmMessage[] = messages.map((m, index) => {
    const images = imagesOf(m.content, index);
    if (images.length && m.role !== 'user') throw new SmolError(ErrorCodes.BAD_REQUEST, `messages.${index}: images are taken in user messages only`, { details: { param: `messages.${index}.content` } });
    imageCount += images.length;
    if (m.role === 'assistant') {
      const toolCalls = (m.tool_calls ?? []).map((c) => {
        names.set(c.id, c.function.name);
        let args: Record<string, unknown> = {};
        try {
          const v: unknown = JSON.parse(c.function.arguments || '{}');
          if (v && typeof v === 'object' && !Array.isArray(v)) args = v as Record<string, unknown>;
        } catch {
          /* keep {} — the client's own history */
        }
        return { id: c.id, name: c.function.name, arguments: args };
      });
      return { role: 'assistant', content: text(m.content), ...(toolCalls.length ? { toolCalls } : {}) };
    }
    if (m.role === 'tool') return { role: 'tool', content: text(m.content), ...(m.tool_call_id ? { toolCallId: m.tool_call_id, toolName: names.get(m.tool_call_id) ?? m.name ?? '' } : {}) };
    return { role: m.role === 'developer' ? 'system' : m.role, content: text(m.content), ...(images.length ? { images } : {}) };
  });
  checkImageCount(imageCount);
  const last = out.at(-1)!;
  return last.role === 'user' ? { history: out.slice(0, -1), question: last.content, images: [...(last.images ?? [])], imageCount } : { history: out, question: '', images: [], imageCount };
}

/** The client's own tools as the model sees them. */
export function clientTools(body: ChatBody): LlmToolSpec[] {
  return (body.tools ?? []).map((t) => ({ name: t.function.name, description: t.function.description ?? '', parameters: t.function.parameters ?? { type: 'object', properties: {} } }));
}

/**
 * tool_choice, response_format and the sampling settings in the agent's terms. json_object becomes
 * Ollama's `format: "json"`, json_schema its schema (name and strictness kept for an
 * OpenAI-compatible upstream).
 */
export function modelSettings(body: ChatBody): Pick<AskOptions, 'toolChoice' | 'format' | 'formatName' | 'formatStrict' | 'temperature' | 'maxTokens' | 'topP' | 'stop' | 'seed'> {
  const choice: LlmToolChoice | undefined = body.tool_choice == null ? undefined : typeof body.tool_choice === 'string' ? body.tool_choice : { name: body.tool_choice.function.name };
  const rf = body.response_format;
  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
  const stop = body.stop == null ? [] : typeof body.stop === 'string' ? [body.stop] : body.stop;
  return {
    ...(choice ? { toolChoice: choice } : {}),
    ...(rf?.type === 'json_object' ? { format: 'json' as const } : {}),
    ...(rf?.type === 'json_schema'
      ? { format: rf.json_schema.schema ?? ('json' as const), formatName: rf.json_schema.name, ...(rf.json_schema.strict != null ? { formatStrict: rf.json_schema.strict } : {}) }
      : {}),
    ...(body.temperature != null ? { temperature: body.temperature } : {}),
    ...(maxTokens ? { maxTokens } : {}),
    ...(body.top_p != null ? { topP: body.top_p } : {}),
    ...(stop.length ? { stop } : {}),
    ...(body.seed != null ? { seed: body.seed } : {}),
  };
}
