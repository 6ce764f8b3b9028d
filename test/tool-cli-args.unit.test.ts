import t from 'tap';
import { commandLineArgs } from '../adapters/cli/commands/tool.js';
import { ErrorCodes, isSmolError } from '../core/errors.js';

const schema = { type: 'object', properties: { pin: { type: 'string' }, value: { type: 'number' }, note: { type: 'string' }, on: { type: 'boolean' } } };

t.test('--arg values are JSON unless the schema says the field is a string', async (t) => {
  t.same(commandLineArgs(undefined, ['pin=17', 'value=1', 'on=true'], schema), { pin: '17', value: 1, on: true });
  t.same(commandLineArgs(undefined, ['note=hello world', 'other=[1,2]', 'word=hello'], schema), { note: 'hello world', other: [1, 2], word: 'hello' }, 'text that is not JSON stays text');
  t.same(commandLineArgs(undefined, ['expression=a=b'], undefined), { expression: 'a=b' }, 'only the first = splits');
});

t.test('the JSON object comes first and --arg pairs go over it', async (t) => {
  t.same(commandLineArgs('{"pin": "led", "value": 0}', ['value=1'], schema), { pin: 'led', value: 1 });
});

t.test('arguments that are not an object, and pairs without =, are usage errors', async (t) => {
  for (const [json, pairs] of [['[1]', []], ['17', []], ['{oops', []], [undefined, ['pin']], [undefined, ['=1']]] as const) {
    try {
      commandLineArgs(json, pairs, schema);
      t.fail(`accepted ${String(json)} ${pairs.join(' ')}`);
    } catch (err) {
      t.ok(isSmolError(err, ErrorCodes.CLI_USAGE), `${String(json)} ${pairs.join(' ')}: SMOL_CLI_USAGE`);
    }
  }
});
