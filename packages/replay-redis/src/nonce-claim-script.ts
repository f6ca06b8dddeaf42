// Lua shared by the scripts that claim nonces (createRedisReplayStore's claim
// and createRedisAuditStream's claimAndAppend), so both hold a nonce by the
// same rule.

/** Sets `now`: the server's clock (TIME) in epoch ms. */
export const SERVER_NOW_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

// One atomic step on the server: a nonce still held is a replay; a hold time the
// server's own clock has passed is refused, because Redis accepts
// `SET NX PXAT <past>` and keeps nothing, so a second claim would succeed too;
// otherwise the nonce is held until exactly that instant on the server's clock.
/** Defines `claimNonce(key, holdUntil, now)`: 'claimed', 'replayed' or 'expired'. */
export const CLAIM_NONCE_LUA = `
local function claimNonce(key, holdUntil, now)
  if redis.call('EXISTS', key) == 1 then return 'replayed' end
  if tonumber(holdUntil) <= now then return 'expired' end
  if redis.call('SET', key, '1', 'NX', 'PXAT', holdUntil) then return 'claimed' end
  return 'replayed'
end
`;
