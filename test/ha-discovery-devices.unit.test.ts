import t from 'tap';
import { topicsOf } from '../adapters/mqtt/topics.js';
import { componentOf, discoveryConfigOf, type DiscoveryContext, type DiscoverySource } from '../adapters/mqtt/ha-discovery.js';
import { unitFitsClass } from '../adapters/mqtt/ha-classes.js';

const ctx = (overrides: DiscoveryContext['overrides'] = {}): DiscoveryContext => ({
  node: { name: 'kitchen', nodeId: 'n1', role: 'alpaca', software: 'test' },
  topics: topicsOf('smollama', 'kitchen', 'homeassistant'),
  switchPins: new Set(),
  overrides,
});
const device = (source: string, extra: Partial<DiscoverySource>): DiscoverySource => ({ source, provider: source.split('.')[0]!, ...extra });

t.test("a device source's class and binary flag (source.registered v2) decide its entity", async (t) => {
  const contact = device('hall.contact', { binary: true, deviceClass: 'window' });
  t.equal(componentOf(contact, ctx()), 'binary_sensor', 'binary: a binary_sensor although its name says nothing');
  t.match(discoveryConfigOf(contact, ctx()).config, { device_class: 'window', payload_on: '1', payload_off: '0' });
  t.equal(componentOf(contact, ctx({ 'hall.contact': { binary: false } })), 'sensor', 'an override still wins');

  const rain = discoveryConfigOf(device('rain.total', { unit: 'mm', deviceClass: 'precipitation' }), ctx()).config;
  t.match(rain, { device_class: 'precipitation', unit_of_measurement: 'mm', state_class: 'total_increasing' }, 'a counted total of rain');
  const water = discoveryConfigOf(device('water.total', { unit: 'L', deviceClass: 'water' }), ctx()).config;
  t.match(water, { device_class: 'water', state_class: 'total_increasing' });

  const lux = discoveryConfigOf(device('porch.light', { unit: 'lux', deviceClass: 'illuminance' }), ctx()).config;
  t.match(lux, { device_class: 'illuminance', unit_of_measurement: 'lx' });
  const wrong = discoveryConfigOf(device('porch.light', { unit: '%', deviceClass: 'temperature' }), ctx()).config;
  t.notOk('device_class' in wrong, 'a class Home Assistant would refuse with this unit is left out, not sent');
  t.equal(wrong['unit_of_measurement'], '%');
  const guessed = discoveryConfigOf(device('attic.temp', { unit: '°C' }), ctx()).config;
  t.equal(guessed['device_class'], 'temperature', 'without a class the unit still suggests one');
  t.equal(discoveryConfigOf(device('attic.temp', { unit: '°C', deviceClass: 'temperature' }), ctx({ 'attic.temp': { deviceClass: '' } })).config['device_class'], undefined, "an override of '' removes it");
});

t.test('unitFitsClass knows the units of the classes it lists', async (t) => {
  t.ok(unitFitsClass('temperature', '°C'));
  t.notOk(unitFitsClass('temperature', 'mm'));
  t.notOk(unitFitsClass('pressure', undefined));
  t.ok(unitFitsClass('precipitation', 'mm'), 'a class not listed by unit is not checked');
});
