import t from 'tap';
import { createRegistry } from '../core/events/default-registry.js';
import { GENESIS_PREV, type SmolEvent } from '../core/events/event.js';
import { createSensorsProjection, sourceList, latestReadings, type SensorsState } from '../projections/sensors.js';

const event = (seq: number, type: string, v: number, data: unknown): SmolEvent => ({ id: `n:${seq}`, origin: 'n', seq, hlc: `${(1_700_000_000_000 + seq).toString(16).padStart(12, '0')}0000`, type, v, data, prev: GENESIS_PREV });

t.test('source.registered v1 is lifted to v2: GPIO pins are binary, other sources numeric, no device', async (t) => {
  const registry = createRegistry();
  t.equal(registry.latestVersion('source.registered'), 2);
  const pin = registry.upcast(event(1, 'source.registered', 1, { source: 'gpio.door', provider: 'gpio', simulated: true }));
  t.same(pin, { ...pin, v: 2, data: { source: 'gpio.door', provider: 'gpio', simulated: true, binary: true } });
  const cpu = registry.upcast(event(2, 'source.registered', 1, { source: 'system.cpu_temp', provider: 'system', unit: '°C', simulated: false }));
  t.same(cpu.data, { source: 'system.cpu_temp', provider: 'system', unit: '°C', simulated: false, binary: false });
  t.equal(registry.validate('source.registered', 2, cpu.data), true, 'the lifted data is valid v2');
  t.throws(() => registry.validate('source.registered', 2, { source: 'a.b', provider: 'a', simulated: false }), { code: 'SMOL_EVENT_INVALID', message: /binary/ }, 'v2 needs binary');
  t.equal(registry.validate('source.registered', 1, { source: 'a.b', provider: 'a', simulated: false }), true, 'v1 as old nodes write it stays valid');
  const v2 = { source: 'attic.temperature', provider: 'attic', unit: '°C', simulated: false, binary: false, device: 'attic', platform: 'w1', deviceClass: 'temperature' };
  t.equal(registry.validate('source.registered', 2, v2), true);
  t.same(registry.upcast(event(3, 'source.registered', 2, v2)).data, v2, 'the newest version is left alone');
});

t.test('the sensors projection keeps device, platform, class and binary from v2 and from lifted v1', async (t) => {
  const projection = createSensorsProjection();
  const registry = createRegistry();
  let state: SensorsState = projection.initial();
  const emit = () => undefined;
  const events = [
    event(1, 'source.registered', 1, { source: 'gpio.door', provider: 'gpio', simulated: false }),
    event(2, 'source.registered', 2, { source: 'attic.temperature', provider: 'attic', unit: '°C', simulated: false, binary: false, device: 'attic', platform: 'w1', deviceClass: 'temperature' }),
    event(3, 'reading.sampled', 1, { values: { 'attic.temperature': 21.5, 'gpio.door': 1 } }),
  ];
  for (const e of events) state = projection.apply(state, registry.upcast(e), emit);
  t.match(sourceList(state), [
    { source: 'attic.temperature', unit: '°C', deviceClass: 'temperature', device: 'attic', platform: 'w1', binary: false },
    { source: 'gpio.door', deviceClass: null, device: null, platform: null, binary: true },
  ]);
  t.match(latestReadings(state), [{ source: 'attic.temperature', value: 21.5, deviceClass: 'temperature' }, { source: 'gpio.door', value: 1, binary: true }]);
  // The projection gets v1 events as they are stored too (its own gate upcasts them).
  let direct: SensorsState = projection.initial();
  direct = projection.apply(direct, events[0]!, emit);
  t.match(sourceList(direct), [{ source: 'gpio.door', binary: true }]);
});
