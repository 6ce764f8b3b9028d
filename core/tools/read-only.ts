/** Tools that change nothing outside the conversation: what a read-only caller may use. */
export const READ_ONLY_TOOLS: ReadonlySet<string> = new Set([
  'read_source', 'list_sources', 'get_reading_history', 'recall', 'cross_node_recall', 'gpio_list', 'gpio_read',
  'mqtt_recent_messages', 'math', 'register_set', 'register_get', 'register_list', 'storage_get', 'storage_list', 'run_code',
  'recent_detections',
]);
