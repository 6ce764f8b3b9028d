import { hlcWall } from '../core/clock/hlc.js';
import type { CallerInfo } from '../core/events/agent-events.js';
import type { ProjectionStore } from '../core/projection/projection.js';
import { defineProjection, exhaustive } from '../core/projection/define-projection.js';

/** One tool call with its outcome: the audit log of what the agent (or an API or MQTT client) did. */
export interface ToolCallRow {
  callId: string;
  origin: string;
  tool: string;
  args: unknown;
  caller: CallerInfo;
  at: number;
  /** Until its tool.completed arrives, a call is open. */
  status: 'open' | 'ok' | 'error';
  result?: unknown;
  error?: { code: string; message: string };
  durationMs?: number;
}

/** Open calls (a few at a time) in state; completed ones are records keyed by time. */
export interface ToolCallsState {
  open: Record<string, ToolCallRow>;
  count: number;
  failed: number;
  byTool: Record<string, number>;
}

/** Tool calls joined with their completions. */
export const toolCallsProjection = defineProjection({
  name: 'tool-calls',
  version: 1,
  handles: ['tool.called', 'tool.completed'],
  initial: (): ToolCallsState => ({ open: {}, count: 0, failed: 0, byTool: {} }),
  evolve(state, event, emit) {
    const key = `${event.origin}/${event.data.callId}`;
    switch (event.type) {
      case 'tool.called': {
        const d = event.data;
        state.open[key] = { callId: d.callId, origin: event.origin, tool: d.tool, args: d.args, caller: d.caller, at: hlcWall(event.hlc), status: 'open' };
        state.count += 1;
        state.byTool[d.tool] = (state.byTool[d.tool] ?? 0) + 1;
        return state;
      }
      case 'tool.completed': {
        const d = event.data;
        const open = Object.hasOwn(state.open, key) ? state.open[key] : undefined;
        if (!open) return state;
        delete state.open[key];
        if (!d.ok) state.failed += 1;
        const row: ToolCallRow = {
          ...open, status: d.ok ? 'ok' : 'error', durationMs: d.durationMs,
          ...(d.result !== undefined ? { result: d.result } : {}), ...(d.error ? { error: d.error } : {}),
        };
        emit(`t/${String(open.at).padStart(13, '0')}/${key}`, row);
        return state;
      }
      default:
        return exhaustive(event, state);
    }
  },
});

/** Completed calls, newest first, optionally of one tool; then the open ones. */
export async function listToolCalls(state: ToolCallsState, store: Pick<ProjectionStore, 'records'>, q: { tool?: string; limit?: number } = {}): Promise<ToolCallRow[]> {
  const limit = q.limit ?? 50;
  const out = Object.values(state.open).filter((r) => q.tool === undefined || r.tool === q.tool).sort((a, b) => b.at - a.at);
  for await (const [, value] of store.records({ gte: 't/', lt: 't/~', reverse: true })) {
    if (out.length >= limit) break;
    const row = value as ToolCallRow;
    if (q.tool === undefined || row.tool === q.tool) out.push(row);
  }
  return out.slice(0, limit);
}
