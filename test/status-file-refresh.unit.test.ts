import t from 'tap';
import { statSync } from 'node:fs';
import { configSchema } from '../adapters/config/schema.js';
import { Shelf } from '../adapters/units/context.js';
import { REFRESH_MS, statusWriter } from '../adapters/units/status-file.js';
import { dataPaths, readStatusFile } from '../adapters/cli/data-dir.js';
import { tempDir } from './helpers/temp-dir.js';

t.test('status.json is rewritten when what it says changes, every REFRESH_MS otherwise, and always when forced', async (t) => {
  const dataDir = tempDir(t);
  const config = configSchema.parse({ dataDir });
  let position = 10;
  let units: Array<{ name: string; state: string; message?: string }> = [{ name: 'journal', state: 'running' }];
  const shelf = new Shelf();
  const put = (key: string, value: unknown) => shelf.put(key as never, value as never);
  put('startedAt', 0);
  put('journal', { nodeId: 'n1', lastPosition: () => position, vector: () => ({ n1: position }) });
  put('node', { gpio: undefined });
  put('http', { url: 'http://127.0.0.1:1/' });
  put('unitHealth', () => units);
  let now = 1_000_000;
  const errors: unknown[] = [];
  const write = statusWriter(config, shelf, (err) => errors.push(err), () => now);
  const inode = () => statSync(dataPaths(dataDir).status).ino;

  await write(true, false);
  t.equal((await readStatusFile(dataDir))?.lastPosition, 10, 'the first look writes it');
  const first = inode();

  position = 20;
  now += 5000;
  await write(true, false);
  t.equal(inode(), first, 'only the event count moved: not rewritten');
  t.equal((await readStatusFile(dataDir))?.lastPosition, 10);

  units = [{ name: 'journal', state: 'running', message: 'RSS 158 MB' }];
  now += 5000;
  await write(true, false);
  t.equal(inode(), first, "only a unit's message moved (the memory unit's RSS): not rewritten");

  units = [{ name: 'journal', state: 'degraded' }];
  now += 5000;
  await write(true, false);
  const changed = await readStatusFile(dataDir);
  t.equal(changed?.units?.[0]?.state, 'degraded', 'a unit changed state: rewritten at once');
  t.equal(changed?.lastPosition, 20, 'with the event count of now');

  position = 30;
  now += REFRESH_MS;
  await write(true, false);
  t.equal((await readStatusFile(dataDir))?.lastPosition, 30, 'REFRESH_MS later it is rewritten anyway');

  position = 40;
  await write(false, true);
  const stopped = await readStatusFile(dataDir);
  t.equal(stopped?.running, false, 'forced (the stop) writes at once');
  t.equal(stopped?.lastPosition, 40);
  t.same(errors, []);
});
