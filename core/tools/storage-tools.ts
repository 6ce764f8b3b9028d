import { z } from 'zod';
import { ErrorCodes, SmolError } from '../errors.js';
import { defineTool } from './tool.js';
import type { StorageAccess } from './ports.js';

const key = z.string().min(1).max(200).regex(/^[\w.:/-]+$/, 'letters, digits and _ . : / -');

/** storage_put, storage_get, storage_list, storage_delete: persistent key-value storage, kept as events. */
export function storageTools(storage: StorageAccess) {
  return [
    defineTool({
      name: 'storage_put',
      description: 'Store a JSON value under a key, kept across conversations and restarts.',
      parameters: z
        .object({ key, value: z.json() })
        .strict()
        .refine((a) => JSON.stringify(a.value).length <= 16_384, { message: 'value larger than 16 KB', path: ['value'] }),
      async execute({ key: k, value }, ctx) {
        await storage.put(k, value, ctx.caller);
        return { stored: k };
      },
    }),
    defineTool({
      name: 'storage_get',
      description: 'Read the value stored under a key.',
      parameters: z.object({ key }).strict(),
      async execute({ key: k }) {
        const v = await storage.get(k);
        if (!v) throw new SmolError(ErrorCodes.NOT_FOUND, `nothing stored under "${k}"`);
        return v;
      },
    }),
    defineTool({
      name: 'storage_list',
      description: 'List stored keys, optionally those starting with a prefix.',
      parameters: z.object({ prefix: z.string().max(200).default(''), limit: z.number().int().min(1).max(500).default(100) }).strict(),
      async execute({ prefix, limit }) {
        return { keys: await storage.list(prefix, limit) };
      },
    }),
    defineTool({
      name: 'storage_delete',
      description: 'Delete the value stored under a key.',
      parameters: z.object({ key }).strict(),
      async execute({ key: k }, ctx) {
        if (!(await storage.delete(k, ctx.caller))) throw new SmolError(ErrorCodes.NOT_FOUND, `nothing stored under "${k}"`);
        return { deleted: k };
      },
    }),
  ];
}
