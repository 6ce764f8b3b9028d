import type { Tool } from './tool.js';
import type { GpioAccess, MemoryAccess, MqttAccess, SandboxPort, SensorAccess, StorageAccess } from './ports.js';
import { sensorTools } from './sensor-tools.js';
import { memoryTools } from './memory-tools.js';
import { gpioTools } from './gpio-tools.js';
import { mqttTools } from './mqtt-tools.js';
import { mathTool } from './math-tool.js';
import { registerTools } from './register-tools.js';
import { storageTools } from './storage-tools.js';
import { codeTool } from './code-tool.js';
import { recentDetectionsTool, type DetectionAccess } from './recent-detections-tool.js';

export interface ToolPorts {
  readonly sensors: SensorAccess;
  readonly memory?: MemoryAccess;
  readonly storage?: StorageAccess;
  readonly gpio?: GpioAccess;
  readonly mqtt?: MqttAccess;
  readonly sandbox?: SandboxPort;
  /** The vision projection's objects (recent_detections); absent = no such tool. */
  readonly detections?: DetectionAccess;
  readonly now?: () => number;
}

/** Every tool this node can offer with the ports it has; a missing port leaves its tools out. */
export function createTools(p: ToolPorts): Tool<any>[] {
  return [
    ...sensorTools(p.sensors, p.now),
    ...(p.memory ? memoryTools(p.memory, p.sensors) : []),
    ...(p.gpio ? gpioTools(p.gpio) : []),
    ...(p.mqtt ? mqttTools(p.mqtt) : []),
    mathTool(),
    ...registerTools(),
    ...(p.storage ? storageTools(p.storage) : []),
    ...(p.sandbox ? [codeTool(p.sandbox)] : []),
    ...(p.detections ? [recentDetectionsTool(p.detections, p.now)] : []),
  ];
}
