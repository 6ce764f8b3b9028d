import t from 'tap';
import { topicsOf } from '../adapters/mqtt/topics.js';
import { discoveryConfigOf, staleMessagesOf, type DiscoveryContext, type DiscoveryOverride, type DiscoverySource } from '../adapters/mqtt/ha-discovery.js';
import { commandValueOf, switchPinsOf } from '../adapters/mqtt/gpio-commands.js';
import { createSystemSensors } from '../adapters/sensors/system-sensors.js';

const topics = topicsOf('smollama', 'kitchen', 'homeassistant');
const context = (switchPins: string[] = [], overrides: Record<string, DiscoveryOverride> = {}): DiscoveryContext => ({
  node: { name: 'kitchen', nodeId: 'abc123', role: 'alpaca', software: 'smollama 1.2.3' },
  topics,
  switchPins: new Set(switchPins),
  overrides,
});
const src = (source: string, unit?: string, label?: string, provider = source.split('.')[0]!): DiscoverySource => ({ source, provider, unit, label });
/** Component, device class, state class and unit of one source, as announced. */
const classes = (s: DiscoverySource, ctx = context()) => {
  const { component, config } = discoveryConfigOf(s, ctx);
  return [component, config.device_class, config.state_class, config.unit_of_measurement];
};

t.test("the system sources get Home Assistant's device and state classes, with units it accepts", async (t) => {
  const system = createSystemSensors({ diskPath: '/' }).sources();
  const got = Object.fromEntries(system.map((s) => [s.source, classes(s)]));
  t.same(got, {
    'system.cpu_temp': ['sensor', 'temperature', 'measurement', '°C'],
    'system.cpu_freq': ['sensor', 'frequency', 'measurement', 'MHz'],
    // Home Assistant has no class for a CPU, memory or disk percentage: none, but still statistics.
    'system.cpu_usage': ['sensor', undefined, 'measurement', '%'],
    'system.load_1': ['sensor', undefined, 'measurement', undefined],
    'system.load_5': ['sensor', undefined, 'measurement', undefined],
    'system.load_15': ['sensor', undefined, 'measurement', undefined],
    'system.mem_used': ['sensor', undefined, 'measurement', '%'],
    'system.mem_available': ['sensor', 'data_size', 'measurement', 'MiB'],
    'system.disk_used': ['sensor', undefined, 'measurement', '%'],
    'system.disk_free': ['sensor', 'data_size', 'measurement', 'MiB'],
    // Uptime counts up until a reboot resets it.
    'system.uptime': ['sensor', 'duration', 'total_increasing', 's'],
  });
});

t.test('units and names of external sources map to their classes', async (t) => {
  t.same(classes(src('mqtt.kitchen_humidity', '%', 'Kitchen humidity')), ['sensor', 'humidity', 'measurement', '%']);
  t.same(classes(src('mqtt.remote_battery', '%')), ['sensor', 'battery', 'measurement', '%']);
  t.same(classes(src('mqtt.soil', '%', 'Soil moisture')), ['sensor', 'moisture', 'measurement', '%']);
  t.same(classes(src('mqtt.mains', 'V')), ['sensor', 'voltage', 'measurement', 'V']);
  t.same(classes(src('mqtt.plug_power', 'W')), ['sensor', 'power', 'measurement', 'W']);
  t.same(classes(src('mqtt.plug_energy', 'kWh')), ['sensor', 'energy', 'total_increasing', 'kWh'], 'energy is a counter (Home Assistant refuses measurement)');
  t.same(classes(src('mqtt.outside_pressure', 'hPa')), ['sensor', 'pressure', 'measurement', 'hPa']);
  t.same(classes(src('mqtt.hall_light', 'lux')), ['sensor', 'illuminance', 'measurement', 'lx'], 'lux is spelled lx');
  t.same(classes(src('mqtt.wifi_rssi', 'dBm')), ['sensor', 'signal_strength', 'measurement', 'dBm']);
  t.same(classes(src('mqtt.office_co2', 'ppm')), ['sensor', 'carbon_dioxide', 'measurement', 'ppm']);
  t.same(classes(src('mqtt.air_pm25', 'µg/m³')), ['sensor', 'pm25', 'measurement', 'µg/m³']);
  t.same(classes(src('mqtt.cache', 'GB')), ['sensor', 'data_size', 'measurement', 'GB']);
  t.same(classes(src('mqtt.pulses_total')), ['sensor', undefined, 'total_increasing', undefined], 'a unitless counter');
  t.same(classes(src('mqtt.odd', 'furlongs')), ['sensor', undefined, 'measurement', 'furlongs'], 'an unknown unit: no class, still numeric');
});

t.test('a sensor config has the documented discovery shape', async (t) => {
  const { topic, config } = discoveryConfigOf(src('system.cpu_temp', '°C', 'CPU temperature', 'system'), context());
  t.equal(topic, 'homeassistant/sensor/smollama_kitchen_system_cpu_temp/config', '<prefix>/<component>/<object id = unique_id>/config');
  t.same(config, {
    name: 'CPU temperature',
    unique_id: 'smollama_kitchen_system_cpu_temp',
    state_topic: 'smollama/kitchen/readings/system.cpu_temp',
    value_template: '{{ value_json.value }}',
    availability_topic: 'smollama/kitchen/status',
    payload_available: 'online',
    payload_not_available: 'offline',
    device: { identifiers: ['smollama_abc123'], name: 'Smollama kitchen', manufacturer: 'Smollama', model: 'alpaca', sw_version: 'smollama 1.2.3' },
    origin: { name: 'Smollama', sw_version: 'smollama 1.2.3' },
    device_class: 'temperature',
    state_class: 'measurement',
    unit_of_measurement: '°C',
  });
});

t.test('GPIO inputs are binary sensors; outputs are switches only where commands are allowed', async (t) => {
  const button = src('gpio.button', undefined, 'button (pin 11, input)');
  const door = src('gpio.door', undefined, 'door (pin 13, input)');
  const led = src('gpio.led', undefined, 'led (pin 12, output)');
  const b = discoveryConfigOf(button, context(['led']));
  t.equal(b.topic, 'homeassistant/binary_sensor/smollama_kitchen_gpio_button/config');
  t.match(b.config, { payload_on: '1', payload_off: '0', value_template: '{{ value_json.value }}', state_topic: 'smollama/kitchen/readings/gpio.button' });
  t.notOk('device_class' in b.config, 'a button has no binary sensor class');
  t.notOk('state_class' in b.config || 'unit_of_measurement' in b.config, 'no sensor fields on a binary sensor');
  t.equal(discoveryConfigOf(door, context()).config.device_class, 'door', 'a door contact is a door');

  const s = discoveryConfigOf(led, context(['led']));
  t.equal(s.topic, 'homeassistant/switch/smollama_kitchen_gpio_led/config');
  t.match(s.config, { command_topic: 'smollama/kitchen/gpio/led/set', state_topic: 'smollama/kitchen/readings/gpio.led', payload_on: '1', payload_off: '0', state_on: '1', state_off: '0', optimistic: false, retain: false });
  const readOnly = discoveryConfigOf(led, context([]));
  t.equal(readOnly.component, 'binary_sensor', 'without commands an output is a read-only binary sensor');
  t.notOk('command_topic' in readOnly.config);

  t.same(staleMessagesOf(button, context()), [
    { topic: 'homeassistant/sensor/smollama_kitchen_gpio_button/config', payload: '' },
    { topic: 'homeassistant/switch/smollama_kitchen_gpio_button/config', payload: '' },
  ], 'what an older version announced (a sensor) is cleared');
});

t.test('overrides from the config win over the guesses', async (t) => {
  const contact = src('mqtt.front_door', undefined, 'Front door');
  t.equal(discoveryConfigOf(contact, context()).component, 'sensor', 'an ingested 0/1 source is a sensor unless the config says binary');
  const { component, config } = discoveryConfigOf(contact, context([], { 'mqtt.front_door': { binary: true, onValue: 0, deviceClass: 'door' } }));
  t.equal(component, 'binary_sensor');
  t.match(config, { payload_on: '0', payload_off: '1', device_class: 'door' }, 'a Zigbee2MQTT contact is 1 when closed: open (on) is 0');
  t.same(classes(src('system.cpu_temp', '°C'), context([], { 'system.cpu_temp': { deviceClass: '', stateClass: 'none' } })), ['sensor', undefined, undefined, '°C']);
  t.same(classes(src('mqtt.meter', 'Wh'), context([], { 'mqtt.meter': { stateClass: 'measurement' } })), ['sensor', 'energy', 'total_increasing', 'Wh'], 'a state class Home Assistant refuses for the class is not sent');
});

t.test('switch commands: which pins, and which payloads', async (t) => {
  const gpio = { pins: [{ name: 'led', direction: 'output' as const }, { name: 'button', direction: 'input' as const }], write: async () => undefined };
  t.same([...switchPinsOf('auto', true, gpio)], ['led'], 'auto with the embedded broker: outputs are switches');
  t.same([...switchPinsOf('auto', false, gpio)], [], 'auto with an external broker: none (anyone who may publish there could switch)');
  t.same([...switchPinsOf('on', false, gpio)], ['led']);
  t.same([...switchPinsOf('off', true, gpio)], []);
  t.same(['1', 'ON', 'true', ' on\n', '0', 'OFF', 'false', '2', '', 'toggle'].map((p) => commandValueOf(Buffer.from(p))), [1, 1, 1, 1, 0, 0, 0, undefined, undefined, undefined]);
});
