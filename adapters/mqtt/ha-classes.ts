/**
 * Home Assistant sensor device classes and state classes for a source's unit (and, where a unit
 * alone is ambiguous, its name). The unit lists are Home Assistant's own (DEVICE_CLASS_UNITS in
 * homeassistant/components/sensor/const.py): a device class with a unit outside its list makes
 * Home Assistant refuse the entity, so a unit that does not fit gets no device class at all.
 */

export type StateClass = 'measurement' | 'total' | 'total_increasing';

/** What Home Assistant is told about a numeric source. */
export interface SensorClasses {
  readonly deviceClass?: string;
  readonly stateClass?: StateClass;
  /** The unit as Home Assistant spells it (`lux` becomes `lx`); absent for unitless sources. */
  readonly unit?: string;
}

interface ClassSpec {
  readonly units: readonly string[];
  /** Home Assistant allows only these state classes with the class (DEVICE_CLASS_STATE_CLASSES). */
  readonly stateClass: StateClass;
}

// Classes found by unit alone: each unit belongs to one class (°C could also be a temperature
// difference, but a sensor that reports °C is almost always a temperature).
const BY_UNIT: Readonly<Record<string, ClassSpec>> = {
  temperature: { units: ['°C', '°F', 'K'], stateClass: 'measurement' },
  frequency: { units: ['Hz', 'kHz', 'MHz', 'GHz'], stateClass: 'measurement' },
  data_size: {
    units: ['bit', 'kbit', 'Mbit', 'Gbit', 'B', 'kB', 'MB', 'GB', 'TB', 'PB', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'],
    stateClass: 'measurement',
  },
  data_rate: { units: ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'B/s', 'kB/s', 'MB/s', 'GB/s', 'KiB/s', 'MiB/s', 'GiB/s'], stateClass: 'measurement' },
  duration: { units: ['d', 'h', 'min', 's', 'ms'], stateClass: 'measurement' },
  voltage: { units: ['V', 'mV', 'µV', 'kV', 'MV'], stateClass: 'measurement' },
  current: { units: ['A', 'mA'], stateClass: 'measurement' },
  power: { units: ['W', 'kW', 'MW', 'GW', 'TW'], stateClass: 'measurement' },
  // Energy meters count up (and reset): Home Assistant allows only total / total_increasing.
  energy: { units: ['Wh', 'kWh', 'MWh', 'GWh', 'TWh', 'J', 'kJ', 'MJ', 'GJ'], stateClass: 'total_increasing' },
  pressure: { units: ['Pa', 'hPa', 'kPa', 'bar', 'cbar', 'mbar', 'mmHg', 'inHg', 'psi'], stateClass: 'measurement' },
  illuminance: { units: ['lx'], stateClass: 'measurement' },
  signal_strength: { units: ['dB', 'dBm'], stateClass: 'measurement' },
  weight: { units: ['µg', 'mg', 'g', 'kg', 'oz', 'lb'], stateClass: 'measurement' },
};

const CLASS_OF_UNIT = new Map<string, string>(Object.entries(BY_UNIT).flatMap(([cls, spec]) => spec.units.map((u) => [u, cls] as const)));

/** Spellings people use that Home Assistant does not accept, and the one it does. */
const UNIT_ALIASES: Readonly<Record<string, string>> = { lux: 'lx', Lux: 'lx', LUX: 'lx', uV: 'µV', ug: 'µg', sec: 's' };

// A percentage says nothing about what it measures: CPU usage, memory and disk use are %, and
// Home Assistant has no class for them. Only these names make a % a humidity, battery or moisture.
const PERCENT_BY_NAME: ReadonlyArray<readonly [RegExp, string]> = [
  [/humid/, 'humidity'],
  [/batt/, 'battery'],
  [/moist|soil/, 'moisture'],
];
const PPM_BY_NAME: ReadonlyArray<readonly [RegExp, string]> = [
  [/co2|carbon_dioxide/, 'carbon_dioxide'],
  [/(^|[._\s])co($|[._\s])|carbon_monoxide/, 'carbon_monoxide'],
];
const UGM3_BY_NAME: ReadonlyArray<readonly [RegExp, string]> = [
  [/pm2_?5/, 'pm25'],
  [/pm10/, 'pm10'],
  [/pm1($|[._\s])/, 'pm1'],
];

// Counters that only go up until they reset (a reboot): Home Assistant's total_increasing.
const COUNTER_NAME = /(^|[._\s])(uptime|count|counter|total)($|[._\s])/;

/** Device classes Home Assistant accepts with each state class, for overrides given in the config. */
const STATE_CLASSES_OF: Readonly<Record<string, readonly StateClass[]>> = {
  data_size: ['measurement', 'total', 'total_increasing'],
  duration: ['measurement', 'total', 'total_increasing'],
  weight: ['measurement', 'total', 'total_increasing'],
  energy: ['total', 'total_increasing'],
  // Meters a pulse counter reads (gpio-counter): HA's DEVICE_CLASS_STATE_CLASSES.
  precipitation: ['measurement', 'total', 'total_increasing'],
  water: ['total', 'total_increasing'],
  gas: ['total', 'total_increasing'],
  volume: ['total', 'total_increasing'],
};

/**
 * The device class, state class and unit of a numeric source. `name` is the source id (or its
 * label) in lower case; it only decides between classes that share a unit (%, ppm, µg/m³).
 */
export function sensorClassesOf(unit: string | undefined, name: string): SensorClasses {
  const u = unit === undefined || unit === '' ? undefined : (UNIT_ALIASES[unit] ?? unit);
  const counter = COUNTER_NAME.test(name);
  if (u === undefined) return { stateClass: counter ? 'total_increasing' : 'measurement' };
  const byName = (table: ReadonlyArray<readonly [RegExp, string]>) => table.find(([re]) => re.test(name))?.[1];
  let deviceClass: string | undefined = CLASS_OF_UNIT.get(u);
  if (u === '%') deviceClass = byName(PERCENT_BY_NAME);
  else if (u === 'ppm') deviceClass = byName(PPM_BY_NAME);
  else if (u === 'µg/m³') deviceClass = byName(UGM3_BY_NAME);
  let stateClass: StateClass = deviceClass ? (BY_UNIT[deviceClass]?.stateClass ?? 'measurement') : 'measurement';
  if (counter && allowsStateClass(deviceClass, 'total_increasing')) stateClass = 'total_increasing';
  return { ...(deviceClass ? { deviceClass } : {}), stateClass, unit: u };
}

/**
 * Whether Home Assistant accepts `unit` (as sensorClassesOf spells it) with `deviceClass`: for the
 * classes listed here by unit, only their units; other classes are not checked here.
 */
export function unitFitsClass(deviceClass: string, unit: string | undefined): boolean {
  const spec = BY_UNIT[deviceClass];
  return spec === undefined || (unit !== undefined && spec.units.includes(unit));
}

/** Whether Home Assistant takes `stateClass` together with `deviceClass` (no class: any). */
export function allowsStateClass(deviceClass: string | undefined, stateClass: StateClass): boolean {
  if (deviceClass === undefined) return true;
  const allowed = STATE_CLASSES_OF[deviceClass];
  if (allowed) return allowed.includes(stateClass);
  return stateClass === 'measurement';
}

/** Binary sensor device classes guessed from a pin's or source's name (door contact, motion sensor…). */
const BINARY_BY_NAME: ReadonlyArray<readonly [RegExp, string]> = [
  [/garage/, 'garage_door'],
  [/door/, 'door'],
  [/window/, 'window'],
  [/motion|pir/, 'motion'],
  [/occupan/, 'occupancy'],
  [/presence/, 'presence'],
  [/smoke/, 'smoke'],
  [/leak|flood|water/, 'moisture'],
  [/vibration/, 'vibration'],
];

/** The binary_sensor device class a name suggests, or undefined (a button has none). */
export function binaryClassOf(name: string): string | undefined {
  return BINARY_BY_NAME.find(([re]) => re.test(name))?.[1];
}
