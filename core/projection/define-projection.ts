import type { EventDataMap, EventType } from '../events/core-events.js';
import type { SmolEvent } from '../events/event.js';
import { createRegistry } from '../events/default-registry.js';
import type { Emit, Projection } from './projection.js';

/**
 * Typed projections: a projection lists the event types it handles as a tuple, and its `evolve`
 * receives exactly those events, as a union discriminated by `type`, at the newest version this
 * build knows. A `switch (event.type)` then narrows `event.data` with no cast, and ending the
 * switch with `exhaustive(event, state)` makes a handled type without its case a compile error
 * (emmett's `evolve`).
 */

/** The event types a projection handles: a tuple of registered types, or '*' for every journal event. */
export type Handles = readonly EventType[] | '*';

/** One registered event type at its newest version; distributes over a union of types. */
export type EventOf<T extends EventType> = T extends EventType ? SmolEvent<T, EventDataMap[T]> : never;

/** Any event of a type and version this build knows. */
export type KnownEvent = EventOf<EventType>;

/** What `evolve` receives: the handled events for a tuple; for '*' any journal event (unknown types included). */
export type HandledEvent<H extends Handles> = H extends readonly EventType[] ? EventOf<H[number]> : SmolEvent;

/** What a typed projection is written as. */
export interface ProjectionSpec<S, H extends Handles> {
  readonly name: string;
  /** Bump to drop the stored state and replay from the start. */
  readonly version: number;
  readonly handles: H;
  initial(): S;
  /** Pure: reads only `state` and the event; may hand records to `emit` (see Projection). */
  evolve(state: S, event: HandledEvent<H>, emit: Emit): S;
}

/** A projection with its typed `evolve` beside the runner-facing `apply`. */
export interface TypedProjection<S, H extends Handles> extends Projection<S> {
  readonly handles: H;
  evolve(state: S, event: HandledEvent<H>, emit: Emit): S;
}

// The schemas this build was compiled against: EventDataMap describes each type's newest version here.
const registry = createRegistry();

/**
 * Builds a projection from its typed spec. Its `apply` takes any journal event and is the one gate
 * in front of `evolve`: a type the projection does not handle is ignored; an older version is
 * upcast; a version newer than this build's (written by a newer peer) is stored but not
 * understood, so a tuple projection ignores it and a '*' projection sees it as a plain SmolEvent.
 * A runner that already upcasts costs nothing more here.
 */
export function defineProjection<S, const H extends Handles>(spec: ProjectionSpec<S, H>): TypedProjection<S, H> {
  const handled = spec.handles === '*' ? undefined : new Set<string>(spec.handles);
  const evolve = spec.evolve.bind(spec);
  return {
    name: spec.name,
    version: spec.version,
    handles: spec.handles,
    initial: () => spec.initial(),
    evolve,
    apply(state, event, emit) {
      if (handled !== undefined && !handled.has(event.type)) return state;
      // A type declared in EventDataMap but registered elsewhere is taken at v1, as before.
      const latest = registry.latestVersion(event.type) ?? (handled === undefined ? undefined : 1);
      if (latest !== undefined && event.v < latest) return evolve(state, registry.upcast(event) as HandledEvent<H>, emit);
      if (handled !== undefined && event.v !== latest) return state;
      return evolve(state, event as HandledEvent<H>, emit);
    },
  };
}

/**
 * True for an event whose type and version this build knows, so its data has the registered shape.
 * For '*' projections, which also see unknown types and newer versions.
 */
export function isKnownEvent(event: SmolEvent): event is KnownEvent {
  return registry.latestVersion(event.type) === event.v;
}

/**
 * Ends an exhaustive `switch (event.type)` as `default: return exhaustive(event, state)`: when a
 * handled type has no case, `event` is that type's event here instead of `never`, and the call
 * does not compile. (A projection of one type passes `event.type`: TypeScript narrows a lone
 * event's `type` to `never`, but not the event.) At run time (never reached through `apply`)
 * the state is returned unchanged.
 */
export function exhaustive<S>(event: never, state: S): S {
  void event;
  return state;
}
