import type { VisionService } from '../../core/vision/vision-service.js';
import type {} from './context.js';

declare module './context.js' {
  interface Provided {
    /** The running vision unit (adapters/units/vision.ts); undefined when vision is off or has no cameras. */
    vision: VisionService | undefined;
  }
}
