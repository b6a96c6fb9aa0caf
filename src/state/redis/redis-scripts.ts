/**
 * Lua scripts of the Redis room state. Each runs atomically inside Redis, so a room's check and
 * write (and the `seq` it assigns) can never interleave with another instance's.
 * They are safe to replay (ioredis re-sends in-flight commands after a reconnect): a replayed move
 * re-checks the session and the grid, a replayed build re-checks the map version.
 *
 * Key layout (all under the configured prefix):
 *   room:{R}:members     hash  userId → member JSON {userId,name,x,y,role}   (players only)
 *   room:{R}:sessions    hash  userId → "sessionId|instanceId"              (who holds the avatar)
 *   room:{R}:spectators  hash  sessionId → userId
 *   room:{R}:meta        hash  w, h, version                                (of the cached map)
 *   room:{R}:map         string map JSON (as sent to clients)
 *   room:{R}:grid        string of w*h '0'/'1', row-major occupancy, read by the move script
 *   room:{R}:seq         integer, last seq assigned
 *   room:{R}:log         zset  seq → "<ms>|<event JSON>", the last ROOM_LOG_LENGTH events, each
 *                        prefixed with when it was logged (Redis TIME, ms; see logEntry below)
 *   room:{R}:readers     set   ids of the instances with local clients in the room
 *   room:{R}:readers:{I} string instance I's mark, alive while its TTL runs  (see READERS below)
 *   room:{R}:access      string version of the room's entry rules (see ACCESS_VERSION_LUA below)
 *   data-epoch           string the epoch of everything above (see DATA_EPOCH below)
 *   instance:{I}:sessions hash sessionId → "roomId|userId|role"            (for the reaper)
 *   instance:{I}:lease   string epoch of the live incarnation of instance I, with a TTL
 *   user:{U}:chat        zset  one member per chat line of user U in the last window → when (ms)
 *   instances            hash  instanceId → epoch of its latest incarnation
 *                        (leases and registry: redis-presence-store.ts, names: redis-keys.ts)
 *
 * Fencing: enter, move, leave and build first check that the calling instance's lease key still
 * holds the caller's epoch. An instance that stalled past its lease (and whose avatars another
 * instance already removed) therefore cannot write over the cleaned room when it wakes up: its
 * scripts answer FENCED and change nothing. An empty epoch means "not fenced" (no lease in use).
 */

/**
 * The data epoch: one string for the whole live state, created by the first write that finds it
 * missing, so it changes exactly when Redis lost everything (flushed, or restarted empty) and the
 * rooms count again (from above their durable history: CACHE_MAP_LUA's seqFloor). It is the
 * `epoch` clients see; every write returns it with its event so that an instance learns of a new
 * epoch from the event itself (rooms/room-channels.ts).
 * Made of Redis's own clock: unique enough (two empty starts are never in the same microsecond on
 * one server), and nothing needs it to be secret.
 */
const DATA_EPOCH = `
local function data_epoch(key)
  local e = redis.call('GET', key)
  if e then return e end
  local t = redis.call('TIME')
  e = string.format('%x.%06d', tonumber(t[1]), tonumber(t[2]))
  redis.call('SET', key, e)
  return e
end
`;

/**
 * Readers: which instances have local clients in a room (redis-room-state.ts, markReader). An
 * instance marks itself before it sends the room's first enter, on the same connection, so before
 * that enter takes its seq; it renews the mark while it keeps clients there and removes it when
 * the last one goes. Every write that takes a seq answers whether any other instance's mark is
 * alive at that moment (its reply's last element); when none is, the writer may keep the event
 * off the broker, since no other instance would deliver it. Marks expire in Redis (no instance's
 * clock is trusted), so a dead instance's marks cost needless publishes for a while, never missed
 * ones; read_elsewhere prunes them from the set.
 */
const READERS = `
local function read_elsewhere(readersKey, me)
  if me == '' then return 1 end
  for _, id in ipairs(redis.call('SMEMBERS', readersKey)) do
    if id ~= me then
      if redis.call('EXISTS', readersKey .. ':' .. id) == 1 then return 1 end
      redis.call('SREM', readersKey, id)
    end
  end
  return 0
end
`;

/**
 * Every log entry carries its time before the event text ("<ms>|<json>"): what a resume by time
 * searches, without a second sorted set to write on every event (redis-room-reads.ts reads it).
 * The trim runs once the room has more events than the log keeps (seq counts them all).
 */
const APPEND_LOG = `${DATA_EPOCH}${READERS}
local function fenced(leaseKey, epoch)
  return epoch ~= '' and redis.call('GET', leaseKey) ~= epoch
end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function append_log(seqKey, logKey, logLen, build)
  local seq = redis.call('INCR', seqKey)
  local ev = build(seq)
  redis.call('ZADD', logKey, seq, string.format('%d', now_ms()) .. '|' .. ev)
  if seq > logLen then redis.call('ZREMRANGEBYRANK', logKey, 0, -(logLen + 1)) end
  return seq, ev
end
`;

/** KEYS: members sessions spectators meta map seq log instanceSessions lease epoch readers access
 *  ARGV: userId sessionId instanceId role x y name roomIdJson logLen epoch mapVersion accessVersion
 *
 *  The spawn cell (x, y) was computed by the caller from the map at mapVersion ('' = unchecked):
 *  if another version is cached now, nothing is written and the current map comes back (STALE).
 *  Together with the session checks below, this is why an enter needs no room lock.
 *  The caller checked the user against the room's entry rules at accessVersion ('' = unchecked):
 *  if they changed since, nothing is written (ACCESS_CHANGED) and the caller checks again. */
export const ENTER_LUA = `${APPEND_LOG}
if fenced(KEYS[9], ARGV[10]) then return {'FENCED'} end
if ARGV[12] ~= '' and redis.call('GET', KEYS[12]) ~= ARGV[12] then return {'ACCESS_CHANGED'} end
local uid, sid, inst, role = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local roomIdJson, logLen = ARGV[8], tonumber(ARGV[9])
local mapJson = redis.call('GET', KEYS[5])
if not mapJson then return {'NO_MAP'} end
if ARGV[11] ~= '' and tonumber(redis.call('HGET', KEYS[4], 'version') or '-1') ~= tonumber(ARGV[11]) then
  return {'STALE', mapJson}
end
local ev, replaced = false, false
if role == 'spectator' then
  redis.call('HSET', KEYS[3], sid, uid)
else
  replaced = redis.call('HGET', KEYS[2], uid)
  redis.call('HSET', KEYS[2], uid, sid .. '|' .. inst)
  if not replaced then
    local member = cjson.encode({userId = uid, name = ARGV[7], x = tonumber(ARGV[5]), y = tonumber(ARGV[6]), role = 'player'})
    redis.call('HSET', KEYS[1], uid, member)
    local _, e = append_log(KEYS[6], KEYS[7], logLen, function(seq)
      return '{"type":"entered","roomId":' .. roomIdJson .. ',"seq":' .. seq .. ',"member":' .. member .. '}'
    end)
    ev = e
  end
end
-- The record holds the plain room id (ARGV[8] is JSON-quoted for the event texts): sessionsOfInstance splits it on '|'.
redis.call('HSET', KEYS[8], sid, cjson.decode(roomIdJson) .. '|' .. uid .. '|' .. role)
local seq = tonumber(redis.call('GET', KEYS[6]) or '0')
return {'OK', seq, ev, replaced, mapJson, redis.call('HVALS', KEYS[1]), redis.call('HLEN', KEYS[3]), data_epoch(KEYS[10]),
  read_elsewhere(KEYS[11], inst)}
`;

/** KEYS: members sessions meta grid seq log lease epoch readers
 *  ARGV: userId sessionId dir dx dy roomIdJson logLen epoch instanceId
 *
 *  The bounds and grid check is a mirror of the domain's step rule, `canStepOnGrid` in
 *  domain/step.ts (which the in-memory adapter calls): it lives here too because the check and the
 *  write must be one atomic step inside Redis. test/state/move-rule.contract.test.ts runs one
 *  table of cases through the domain rule and both adapters; change all three together. */
export const MOVE_LUA = `${APPEND_LOG}
if fenced(KEYS[7], ARGV[8]) then return {'FENCED'} end
local uid, sid = ARGV[1], ARGV[2]
local held = redis.call('HGET', KEYS[2], uid)
if not held or string.sub(held, 1, #sid + 1) ~= (sid .. '|') then return {'NOT_IN_ROOM'} end
local raw = redis.call('HGET', KEYS[1], uid)
if not raw then return {'NOT_IN_ROOM'} end
local m = cjson.decode(raw)
local meta = redis.call('HMGET', KEYS[3], 'w', 'h')
local w, h = tonumber(meta[1]), tonumber(meta[2])
local nx, ny = m.x + tonumber(ARGV[4]), m.y + tonumber(ARGV[5])
if nx < 0 or ny < 0 or nx >= w or ny >= h then return {'BLOCKED', m.x, m.y} end
local idx = ny * w + nx
if redis.call('GETRANGE', KEYS[4], idx, idx) == '1' then return {'BLOCKED', m.x, m.y} end
m.x, m.y = nx, ny
redis.call('HSET', KEYS[1], uid, cjson.encode(m))
local seq, ev = append_log(KEYS[5], KEYS[6], tonumber(ARGV[7]), function(seq)
  return '{"type":"moved","roomId":' .. ARGV[6] .. ',"seq":' .. seq .. ',"userId":' .. cjson.encode(uid) ..
    ',"x":' .. nx .. ',"y":' .. ny .. ',"dir":"' .. ARGV[3] .. '"}'
end)
return {'OK', seq, ev, nx, ny, data_epoch(KEYS[8]), read_elsewhere(KEYS[9], ARGV[9])}
`;

/** KEYS: members sessions spectators seq log instanceSessions lease epoch readers
 *  ARGV: userId sessionId role reason roomIdJson logLen epoch writerInstanceId */
export const LEAVE_LUA = `${APPEND_LOG}
if fenced(KEYS[7], ARGV[7]) then return {'FENCED'} end
local uid, sid, role = ARGV[1], ARGV[2], ARGV[3]
redis.call('HDEL', KEYS[6], sid)
if role == 'spectator' then
  redis.call('HDEL', KEYS[3], sid)
  return {'NOOP'}
end
local held = redis.call('HGET', KEYS[2], uid)
if not held or string.sub(held, 1, #sid + 1) ~= (sid .. '|') then return {'NOOP'} end
redis.call('HDEL', KEYS[2], uid)
redis.call('HDEL', KEYS[1], uid)
local seq, ev = append_log(KEYS[4], KEYS[5], tonumber(ARGV[6]), function(seq)
  return '{"type":"left","roomId":' .. ARGV[5] .. ',"seq":' .. seq .. ',"userId":' .. cjson.encode(uid) ..
    ',"reason":"' .. ARGV[4] .. '"}'
end)
return {'OK', seq, ev, data_epoch(KEYS[8]), read_elsewhere(KEYS[9], ARGV[8])}
`;

/** KEYS: meta map grid members seq log lease epoch readers
 *  ARGV: baseVersion newVersion mapJson grid pushesJson roomIdJson logLen width height epoch instanceId */
export const BUILD_LUA = `${APPEND_LOG}
if fenced(KEYS[7], ARGV[10]) then return {'FENCED'} end
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '-1')
if current ~= tonumber(ARGV[1]) then return {'CONFLICT', current} end
redis.call('SET', KEYS[2], ARGV[3])
redis.call('SET', KEYS[3], ARGV[4])
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'w', ARGV[8], 'h', ARGV[9])
local pushes = cjson.decode(ARGV[5])
local w = tonumber(ARGV[8])
local all = redis.call('HGETALL', KEYS[4])
local members = {}
for i = 1, #all, 2 do
  local raw = all[i + 1]
  local m = cjson.decode(raw)
  local target = pushes[tostring(m.y * w + m.x)]
  if target then
    m.x, m.y = target[1], target[2]
    raw = cjson.encode(m)
    redis.call('HSET', KEYS[4], all[i], raw)
  end
  members[#members + 1] = raw
end
local seq, ev = append_log(KEYS[5], KEYS[6], tonumber(ARGV[7]), function(seq)
  return '{"type":"built","roomId":' .. ARGV[6] .. ',"seq":' .. seq .. ',"map":' .. ARGV[3] ..
    ',"members":[' .. table.concat(members, ',') .. ']}'
end)
return {'OK', seq, ev, data_epoch(KEYS[8]), read_elsewhere(KEYS[9], ARGV[11])}
`;

/** KEYS: seq log lease epoch readers
 *  ARGV: roomIdJson textJson fromJson logLen epoch instanceId
 *  A notice changes nothing in the room but its seq and log: it is an event like the others, so
 *  clients get it in order and a resume replays it. */
export const NOTICE_LUA = `${APPEND_LOG}
if fenced(KEYS[3], ARGV[5]) then return {'FENCED'} end
local seq, ev = append_log(KEYS[1], KEYS[2], tonumber(ARGV[4]), function(seq)
  return '{"type":"notice","roomId":' .. ARGV[1] .. ',"seq":' .. seq .. ',"text":' .. ARGV[2] .. ',"from":' .. ARGV[3] .. '}'
end)
return {'OK', seq, ev, data_epoch(KEYS[4]), read_elsewhere(KEYS[5], ARGV[6])}
`;

/** KEYS: seq log lease epoch readers
 *  ARGV: roomIdJson userIdJson nameJson textJson atJson logLen epoch instanceId
 *  A chat line, like a notice, changes nothing but the seq and the log. */
export const SAID_LUA = `${APPEND_LOG}
if fenced(KEYS[3], ARGV[7]) then return {'FENCED'} end
local seq, ev = append_log(KEYS[1], KEYS[2], tonumber(ARGV[6]), function(seq)
  return '{"type":"said","roomId":' .. ARGV[1] .. ',"seq":' .. seq .. ',"userId":' .. ARGV[2] ..
    ',"name":' .. ARGV[3] .. ',"text":' .. ARGV[4] .. ',"at":' .. ARGV[5] .. '}'
end)
return {'OK', seq, ev, data_epoch(KEYS[4]), read_elsewhere(KEYS[5], ARGV[8])}
`;

/** KEYS: chatRate  ARGV: lines windowMs member
 *  Counts a chat line of one user against its limit, whichever instance the user talks through:
 *  at most `lines` per sliding window of `windowMs` (a burst at a window's edge cannot double
 *  it), timed by Redis's own clock so that no instance's clock matters. Answers -1 when the line
 *  may be said (and counts it), else the ms until one may (nothing counted). The member is unique
 *  per line (two lines may share a millisecond). */
export const CHAT_RATE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lines, window = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= lines then
  local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
  return math.max(1, oldest + window - now)
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return -1
`;

/** KEYS: access  ARGV: fresh
 *  The version of a room's entry rules, made (from ARGV[1], a fresh random string) when there is
 *  none: a room whose rules never changed, or live state that was lost. A version never comes
 *  back once replaced, so rules an instance read under an old version are never taken as current.
 *  Changing the rules sets a fresh one with a plain SET (redis-room-state.ts, accessChanged). */
export const ACCESS_VERSION_LUA = `
local v = redis.call('GET', KEYS[1])
if v then return v end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
`;

/** KEYS: meta map grid seq  ARGV: version mapJson grid width height seqFloor
 *  Caches a map unless the cache already holds this version or a newer one. A room with no seq
 *  yet (new, or lost with the rest of the state) starts counting after seqFloor, the highest seq
 *  of its durable history (room-state.port.ts, cacheMap); a seq already counting is left alone. */
export const CACHE_MAP_LUA = `
if tonumber(ARGV[6]) > 0 then redis.call('SET', KEYS[4], ARGV[6], 'NX') end
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '-1')
if current >= tonumber(ARGV[1]) and redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SET', KEYS[3], ARGV[3])
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'w', ARGV[4], 'h', ARGV[5])
return 1
`;

/** KEYS: epoch → the data epoch, created if missing (a read of a room nobody wrote to since a flush). */
export const EPOCH_LUA = `${DATA_EPOCH}
return data_epoch(KEYS[1])
`;
