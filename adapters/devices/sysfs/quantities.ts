/**
 * What the kernel's channel types measure, in the units its ABI documents, and how we show them.
 * IIO: Documentation/ABI/testing/sysfs-bus-iio (after _scale and _offset, or in _input: milli
 * degrees Celsius, milli percent relative humidity, kilopascal, lux, millivolts, milliamps,
 * milliwatts, metres). hwmon: Documentation/hwmon/sysfs-interface.rst (milli °C, mV, mA, µW, RPM).
 */
export interface Quantity {
  /** The word used in source ids, e.g. `temperature`. */
  readonly key: string;
  readonly unit?: string;
  /** Home Assistant device class. */
  readonly deviceClass?: string;
  /** Multiply the kernel's value by this to get `unit`. */
  readonly factor: number;
  /** Values outside [min, max] (in `unit`) are refused as impossible readings. */
  readonly min?: number;
  readonly max?: number;
}

/** IIO channel types (the `<type>` of `in_<type><index>_<info>`). */
export const IIO_QUANTITIES: Readonly<Record<string, Quantity>> = {
  temp: { key: 'temperature', unit: '°C', deviceClass: 'temperature', factor: 1 / 1000, min: -80, max: 200 },
  humidityrelative: { key: 'humidity', unit: '%', deviceClass: 'humidity', factor: 1 / 1000, min: 0, max: 100 },
  pressure: { key: 'pressure', unit: 'hPa', deviceClass: 'pressure', factor: 10, min: 100, max: 1200 },
  illuminance: { key: 'illuminance', unit: 'lx', deviceClass: 'illuminance', factor: 1, min: 0, max: 200_000 },
  voltage: { key: 'voltage', unit: 'V', deviceClass: 'voltage', factor: 1 / 1000 },
  current: { key: 'current', unit: 'A', deviceClass: 'current', factor: 1 / 1000 },
  power: { key: 'power', unit: 'W', deviceClass: 'power', factor: 1 / 1000 },
  distance: { key: 'distance', unit: 'm', deviceClass: 'distance', factor: 1, min: 0, max: 10 },
  resistance: { key: 'resistance', unit: 'Ω', factor: 1, min: 0 },
  proximity: { key: 'proximity', factor: 1 },
  intensity: { key: 'intensity', factor: 1 },
  uvindex: { key: 'uv_index', factor: 1, min: 0, max: 20 },
  concentration: { key: 'concentration', unit: 'ppm', factor: 1, min: 0 },
};

/** hwmon attribute families (the `<type>` of `<type><N>_input`). */
export const HWMON_QUANTITIES: Readonly<Record<string, Quantity>> = {
  temp: { key: 'temperature', unit: '°C', deviceClass: 'temperature', factor: 1 / 1000, min: -80, max: 200 },
  in: { key: 'voltage', unit: 'V', deviceClass: 'voltage', factor: 1 / 1000 },
  curr: { key: 'current', unit: 'A', deviceClass: 'current', factor: 1 / 1000 },
  power: { key: 'power', unit: 'W', deviceClass: 'power', factor: 1 / 1_000_000 },
  energy: { key: 'energy', unit: 'J', deviceClass: 'energy', factor: 1 / 1_000_000 },
  fan: { key: 'fan', unit: 'rpm', factor: 1, min: 0 },
  humidity: { key: 'humidity', unit: '%', deviceClass: 'humidity', factor: 1 / 1000, min: 0, max: 100 },
  pwm: { key: 'pwm', unit: '%', factor: 100 / 255, min: 0, max: 100 },
};

/** A source key: lowercase letters, digits and underscores (source ids are `<provider>.<name>`). */
export function sourceKey(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'value';
}

/** Whether `value` (already in the quantity's unit) is a possible reading. */
export function plausible(q: Quantity, value: number): boolean {
  return Number.isFinite(value) && (q.min === undefined || value >= q.min) && (q.max === undefined || value <= q.max);
}

/** The kernel's value in the quantity's unit, without binary float noise (5020 mV is 5.02 V, not 5.0200000000000005). */
export function toUnit(q: Quantity, kernelValue: number): number {
  return Number((kernelValue * q.factor).toPrecision(12));
}
