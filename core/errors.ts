/**
 * Every error a user or a peer can see carries a stable `code`. Codes are API; messages are not.
 * Tests assert codes. Programmer mistakes stay plain TypeError/RangeError.
 */
export const ErrorCodes = {
  // configuration and command line
  CONFIG_INVALID: 'SMOL_CONFIG_INVALID',
  CONFIG_UNREADABLE: 'SMOL_CONFIG_UNREADABLE',
  CLI_USAGE: 'SMOL_CLI_USAGE',
  // journal and data directory
  ALREADY_RUNNING: 'SMOL_ALREADY_RUNNING',
  JOURNAL_CLOSED: 'SMOL_JOURNAL_CLOSED',
  JOURNAL_CORRUPT: 'SMOL_JOURNAL_CORRUPT',
  JOURNAL_WRITE_FAILED: 'SMOL_JOURNAL_WRITE_FAILED',
  EVENT_INVALID: 'SMOL_EVENT_INVALID',
  EVENT_UNKNOWN_TYPE: 'SMOL_EVENT_UNKNOWN_TYPE',
  CHAIN_BROKEN: 'SMOL_CHAIN_BROKEN',
  SEAL_INVALID: 'SMOL_SEAL_INVALID',
  NOT_FOUND: 'SMOL_NOT_FOUND',
  // sensors and gpio
  SENSOR_UNAVAILABLE: 'SMOL_SENSOR_UNAVAILABLE',
  GPIO_PIN_UNKNOWN: 'SMOL_GPIO_PIN_UNKNOWN',
  GPIO_NOT_OUTPUT: 'SMOL_GPIO_NOT_OUTPUT',
  // sync (segments, trust)
  SEGMENT_TRUNCATED: 'SMOL_SEGMENT_TRUNCATED',
  SEGMENT_CHECKSUM: 'SMOL_SEGMENT_CHECKSUM',
  SEGMENT_FORMAT: 'SMOL_SEGMENT_FORMAT',
  SEGMENT_SIGNATURE: 'SMOL_SEGMENT_SIGNATURE',
  SEGMENT_FOREIGN_CLUSTER: 'SMOL_SEGMENT_FOREIGN_CLUSTER',
  SEGMENT_GAP: 'SMOL_SEGMENT_GAP',
  SEGMENT_CONFLICT: 'SMOL_SEGMENT_CONFLICT',
  UNTRUSTED_NODE: 'SMOL_UNTRUSTED_NODE',
  AUTH_REQUIRED: 'SMOL_AUTH_REQUIRED',
  AUTH_INVALID: 'SMOL_AUTH_INVALID',
  AUTH_REPLAYED: 'SMOL_AUTH_REPLAYED',
  // http / api
  BAD_REQUEST: 'SMOL_BAD_REQUEST',
  FORBIDDEN: 'SMOL_FORBIDDEN',
  // llm, tools, agent
  LLM_UNREACHABLE: 'SMOL_LLM_UNREACHABLE',
  LLM_BAD_OUTPUT: 'SMOL_LLM_BAD_OUTPUT',
  LLM_TIMEOUT: 'SMOL_LLM_TIMEOUT',
  /** The caller gave up on a model call (a client went away, the node is stopping); never retried. */
  LLM_ABORTED: 'SMOL_LLM_ABORTED',
  EMBEDDING_FAILED: 'SMOL_EMBEDDING_FAILED',
  TOOL_UNKNOWN: 'SMOL_TOOL_UNKNOWN',
  TOOL_ARGS_INVALID: 'SMOL_TOOL_ARGS_INVALID',
  TOOL_FAILED: 'SMOL_TOOL_FAILED',
  SANDBOX_TIMEOUT: 'SMOL_SANDBOX_TIMEOUT',
  SANDBOX_MEMORY: 'SMOL_SANDBOX_MEMORY',
  SANDBOX_STACK: 'SMOL_SANDBOX_STACK',
  SANDBOX_ERROR: 'SMOL_SANDBOX_ERROR',
  // mqtt
  MQTT_PAYLOAD_INVALID: 'SMOL_MQTT_PAYLOAD_INVALID',
  MQTT_UNREACHABLE: 'SMOL_MQTT_UNREACHABLE',
  // http / websocket (appended)
  INTERNAL: 'SMOL_INTERNAL',
  WS_SLOW_CONSUMER: 'SMOL_WS_SLOW_CONSUMER',
  HTTP_LISTEN_FAILED: 'SMOL_HTTP_LISTEN_FAILED',
  // sync (appended)
  SEGMENT_REPLAYED: 'SMOL_SEGMENT_REPLAYED',
  SEGMENT_UNSEALED: 'SMOL_SEGMENT_UNSEALED',
  SEGMENT_TOO_LARGE: 'SMOL_SEGMENT_TOO_LARGE',
  SYNC_PEER_FAILED: 'SMOL_SYNC_PEER_FAILED',
  // agent over mqtt (appended)
  AGENT_BUSY: 'SMOL_AGENT_BUSY',
  // vector index (appended)
  VECTOR_INDEX_BUILD_FAILED: 'SMOL_VECTOR_INDEX_BUILD_FAILED',
  // hardening (issue 9): bodies and connections
  /** A request body over the route's limit, refused before it is read whole. */
  BODY_TOO_LARGE: 'SMOL_BODY_TOO_LARGE',
  /** Too many connections or unauthenticated requests at once; try again later. */
  HTTP_BUSY: 'SMOL_HTTP_BUSY',
  /** Input with nothing a model can embed (empty, only spaces or punctuation). */
  EMBEDDING_INPUT_EMPTY: 'SMOL_EMBEDDING_INPUT_EMPTY',
  // hardening: disk
  /** The data directory's filesystem is full: the journal cannot write. */
  DISK_FULL: 'SMOL_DISK_FULL',
  /** Free space is below journal.minFreeBytes: low-value writes are refused to keep room for the rest. */
  DISK_LOW: 'SMOL_DISK_LOW',
  // hardening: files in the data directory
  /** A file in the data directory (trust.json, http-tokens.json, node.key, …) is not what it should be. */
  FILE_CORRUPT: 'SMOL_FILE_CORRUPT',
  /** A secret file or the data directory is readable by other local users. */
  FILE_PERMISSIONS: 'SMOL_FILE_PERMISSIONS',
  // hardening: websocket and clock
  WS_SUBSCRIPTION_LIMIT: 'SMOL_WS_SUBSCRIPTION_LIMIT',
  /** A subscribe from a position past the journal's end. */
  WS_POSITION_AHEAD: 'SMOL_WS_POSITION_AHEAD',
  /** An origin's clock is further ahead of ours than clock.maxOffsetMs. */
  CLOCK_SKEW: 'SMOL_CLOCK_SKEW',
  /** The MQTT broker's port could not be bound. */
  MQTT_LISTEN_FAILED: 'SMOL_MQTT_LISTEN_FAILED',
  /** A registered source that has no reading yet (or cannot be read on this machine), unlike an unknown one (SMOL_NOT_FOUND). */
  SENSOR_NO_READING: 'SMOL_SENSOR_NO_READING',
  /** `journal tail --follow` on a node that is not running: nothing writes its journal. */
  NODE_NOT_RUNNING: 'SMOL_NODE_NOT_RUNNING',
  /** The node that holds the journal runs, but its API cannot be reached (no HTTP, refused, lost). */
  NODE_UNREACHABLE: 'SMOL_NODE_UNREACHABLE',
  // endurance: cold history, retention, memory budget
  /** A cold-history file (journal/cold/*.seg) is missing, truncated, or fails its checksum or signature. */
  COLD_FILE_CORRUPT: 'SMOL_COLD_FILE_CORRUPT',
  /** A range of a feed was dropped by retention: the feed now starts at its basis. */
  JOURNAL_RANGE_DROPPED: 'SMOL_JOURNAL_RANGE_DROPPED',
  /** Refused because the node is under memory pressure (memory unit); try again later. */
  MEMORY_PRESSURE: 'SMOL_MEMORY_PRESSURE',
  // hardware: devices and outputs
  /** A device read failed or returned a value the device is known to give on error (counted, never journaled). */
  DEVICE_READ_FAILED: 'SMOL_DEVICE_READ_FAILED',
  /** A configured device is not present (unplugged, no such sysfs node, no such chip). */
  DEVICE_UNAVAILABLE: 'SMOL_DEVICE_UNAVAILABLE',
  /** An I2C chip did not acknowledge its address or a byte. */
  I2C_NO_ACK: 'SMOL_I2C_NO_ACK',
  /** An output name that is not configured. */
  OUTPUT_UNKNOWN: 'SMOL_OUTPUT_UNKNOWN',
  /** An output (or a value for it) that the configuration's allowlist does not permit. */
  OUTPUT_NOT_ALLOWED: 'SMOL_OUTPUT_NOT_ALLOWED',
  // vision: cameras and models
  /** A camera (Pi camera, V4L2, RTSP, snapshot URL, directory) gave no frame: not there, an error, a timeout. */
  CAMERA_UNAVAILABLE: 'SMOL_CAMERA_UNAVAILABLE',
  /** A frame that is not a decodable image (or too large). */
  FRAME_INVALID: 'SMOL_FRAME_INVALID',
  /** A vision model could not be loaded or failed to run. */
  VISION_MODEL_FAILED: 'SMOL_VISION_MODEL_FAILED',
  /** A frame waiting for the models was displaced by a newer one (one runs, one waits; the newest waits). */
  VISION_BUSY: 'SMOL_VISION_BUSY',
  /** Vision is not enabled on this node (config `vision.enabled`, or no cameras). */
  VISION_DISABLED: 'SMOL_VISION_DISABLED',
  /** The request carries an image but the configured model cannot take images (not a vision model). */
  LLM_NO_VISION: 'SMOL_LLM_NO_VISION',
  /** An image given by URL (http(s) or any scheme but data:): the node does not fetch URLs it is handed; send the image inline. */
  IMAGE_URL_REFUSED: 'SMOL_IMAGE_URL_REFUSED',
  /** The journal stays over journal.maxBytes with no cold history left to drop: what retention cannot drop (hot window, rollups, projection state) is over the budget. A health code, not an answer. */
  JOURNAL_OVER_BUDGET: 'SMOL_JOURNAL_OVER_BUDGET',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** The one base class for errors with a stable code. */
export class SmolError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SmolError';
    this.code = code;
    this.details = options?.details;
  }
}

/** True when `err` is a SmolError, optionally with the given code. */
export function isSmolError(err: unknown, code?: ErrorCode): err is SmolError {
  return err instanceof SmolError && (code === undefined || err.code === code);
}
