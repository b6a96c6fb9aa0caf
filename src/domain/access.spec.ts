import { mayEnter, OPEN_ACCESS, type RoomAccess } from './access';

describe('mayEnter', () => {
  const owner = 'o';
  const rules: [string, RoomAccess, string, ReturnType<typeof mayEnter>][] = [
    ['anyone, in a public room', OPEN_ACCESS, 'u', { ok: true }],
    ['the owner, in a private room', { mode: 'private', allow: [], banned: [] }, owner, { ok: true }],
    ['a listed user, in a private room', { mode: 'private', allow: ['u'], banned: [] }, 'u', { ok: true }],
    [
      'nobody else, in a private room',
      { mode: 'private', allow: ['v'], banned: [] },
      'u',
      { ok: false, reason: 'private' },
    ],
    [
      'not a banned user, in a public room',
      { mode: 'public', allow: [], banned: ['u'] },
      'u',
      { ok: false, reason: 'banned' },
    ],
    [
      'not a banned user, even a listed one',
      { mode: 'private', allow: ['u'], banned: ['u'] },
      'u',
      { ok: false, reason: 'banned' },
    ],
    ['the owner even if listed as banned', { mode: 'public', allow: [], banned: [owner] }, owner, { ok: true }],
  ];
  it.each(rules)('%s', (_what, access, userId, verdict) => {
    expect(mayEnter(access, owner, userId)).toEqual(verdict);
  });
});
