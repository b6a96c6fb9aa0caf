import { moveSchema } from '../protocol/messages';
import { jsonCodec } from './json-codec';

const decodeFrame = jsonCodec.decode;

/** What the schema alone makes of a frame that reached it (the decoder's answer before the move fast path). */
function bySchema(raw: Record<string, unknown>) {
  const parsed = moveSchema.safeParse(raw);
  const requestId = typeof raw.id === 'string' ? raw.id : undefined;
  if (parsed.success) return { ok: true, message: parsed.data, requestId };
  const issue = parsed.error.issues[0];
  return { ok: false, error: `BAD_REQUEST ${issue.path.join('.') || '(message)'}: ${issue.message}`, requestId };
}

function decoded(raw: Record<string, unknown>) {
  const d = decodeFrame(Buffer.from(JSON.stringify(raw)), false);
  return d.ok ? d : { ok: false, error: `${d.error.code} ${d.error.message}`, requestId: d.requestId };
}

describe('the move fast path of the frame decoder answers as the schema does', () => {
  it.each([
    [{ type: 'move', dir: 'up' }],
    [{ type: 'move', dir: 'right', id: 'm1' }],
    [{ type: 'move', dir: 'down', id: '' }],
    [{ type: 'move', dir: 'left', extra: 1, more: { a: 1 } }],
    [{ type: 'move', dir: 'UP' }],
    [{ type: 'move', dir: 'north' }],
    [{ type: 'move', dir: 3 }],
    [{ type: 'move', dir: null }],
    [{ type: 'move' }],
    [{ type: 'move', dir: ['up'] }],
    [{ type: 'move', dir: 'toString' }],
    [{ type: 'move', dir: '' }],
  ])('%j', (raw) => {
    expect(decoded(raw)).toEqual(bySchema(raw));
  });
});
