-- Consult county edge gateway: store-and-forward of every STABLE study to the platform by STOW-RS.
--
-- Orthanc (Debian's 1.10) runs this script (configuration "LuaScripts"). Settings come from the configuration
-- section "ConsultGateway" (written by infra/gateway/render-config.sh):
--   PlatformUrl, ClientId, ClientSecret   the platform and the gateway's service client (POST /oauth/token)
--   RetryBaseSeconds, RetryMaxSeconds     backoff while the WAN is down: base * 2^(failures-1), at most max
--
-- The queue is durable: a study's state is its user metadata "PlatformForward" in Orthanc's own index
--   queued   stable and not yet accepted by the platform (also: received but never seen stable, see Recover)
--   sent     the platform answered the STOW-RS of every instance
-- and the in-memory list below is only a cache of the "queued" studies, rebuilt from the index after a restart.
-- Orthanc 1.10 has no timer for Lua (OnHeartBeat came in 1.11), so GatewayTick() is called from outside every few
-- seconds (infra/gateway/tick.sh through /tools/execute-script, localhost only and authenticated).
--
-- STOW-RS goes through the DICOMweb plugin's client (/dicom-web/servers/platform/stow, synchronous), with the
-- bearer token as a per-request HTTP header; the plugin splits a study into several requests. Re-sending a study
-- is harmless: the platform answers "already stored" for an instance it holds with the same bytes.

local META = 'PlatformForward'
local cfg = GetOrthancConfiguration()['ConsultGateway'] or {}
local PLATFORM = string.gsub(cfg['PlatformUrl'] or '', '/+$', '')
local BASE = tonumber(cfg['RetryBaseSeconds']) or 5
local MAX = tonumber(cfg['RetryMaxSeconds']) or 300

local queue = {}        -- ordered list of Orthanc study ids waiting for the platform
local queued = {}       -- set of the same ids
local attempts = {}     -- failed STOW-RS attempts per study id since this Orthanc started
local recovered = false -- the queue was rebuilt from the index since this Orthanc started
local failures = 0      -- consecutive failed attempts (token or STOW)
local nextTry = 0       -- os.time() before which no attempt is made
local token = nil
local tokenExpires = 0  -- os.time() when the platform stops taking the token
local tokenRenew = 0    -- os.time() from which a new one is fetched (a quarter of its life early, at most 30 s)
local tokensFetched = 0
local sent = 0
local problem = nil     -- the last reason a study could not be sent, for status.sh

local function log(msg)
  print('consult-gateway: ' .. msg)
end

local function trouble(msg)
  problem = os.date('!%Y-%m-%dT%H:%M:%SZ') .. ' ' .. msg
  log(msg)
end

local function enqueue(studyId)
  if not queued[studyId] then
    queued[studyId] = true
    table.insert(queue, studyId)
  end
end

local function dequeue(studyId)
  queued[studyId] = nil
  attempts[studyId] = nil
  for i, id in ipairs(queue) do
    if id == studyId then
      table.remove(queue, i)
      return
    end
  end
end

local function urlencode(s)
  return (string.gsub(s, '[^%w%-%._~]', function(c)
    return string.format('%%%02X', string.byte(c))
  end))
end

-- A bearer token for the platform, fetched again shortly before it expires, or after a refused STOW.
local function bearer()
  if token and os.time() < tokenRenew then
    return token
  end
  token = nil
  local form = 'grant_type=client_credentials&client_id=' .. urlencode(cfg['ClientId'] or '') ..
    '&client_secret=' .. urlencode(cfg['ClientSecret'] or '') .. '&scope=studies%3Aupload'
  local answer = HttpPost(PLATFORM .. '/oauth/token', form, {
    ['Content-Type'] = 'application/x-www-form-urlencoded',
    ['Accept'] = 'application/json',
  })
  if answer == nil then
    trouble('the platform is unreachable (token endpoint)')
    return nil
  end
  local ok, parsed = pcall(ParseJson, answer)
  if not ok or type(parsed) ~= 'table' or not parsed['access_token'] then
    local why = ok and type(parsed) == 'table' and (parsed['error_description'] or parsed['error']) or answer
    trouble('the platform refused the gateway\'s client credentials: ' .. tostring(why))
    return nil
  end
  local life = tonumber(parsed['expires_in']) or 60
  token = parsed['access_token']
  tokenExpires = os.time() + life
  tokenRenew = tokenExpires - math.min(30, math.floor(life / 4))
  tokensFetched = tokensFetched + 1
  return token
end

local function setState(studyId, state)
  RestApiPut('/studies/' .. studyId .. '/metadata/' .. META, state)
end

-- Send one study: 'sent' when the platform took every instance, 'unreachable' when no token could be had (the
-- platform is down or the WAN is), 'failed' when the STOW-RS itself failed.
local function send(studyId)
  if RestApiGet('/studies/' .. studyId) == nil then
    log('study ' .. studyId .. ' was deleted from the gateway before it could be sent')
    dequeue(studyId)
    return 'sent'
  end
  local t = bearer()
  if t == nil then
    return 'unreachable'
  end
  local body = {
    Resources = { studyId },
    HttpHeaders = { Authorization = 'Bearer ' .. t },
    Synchronous = true,
  }
  if RestApiPost('/dicom-web/servers/platform/stow', DumpJson(body, true)) == nil then
    -- Unreachable, cut mid-transfer, or refused (an expired or revoked token): try again later with a new token.
    token = nil
    attempts[studyId] = (attempts[studyId] or 0) + 1
    trouble('study ' .. studyId .. ' not sent yet (platform unreachable or refused, attempt ' ..
      attempts[studyId] .. '); kept in the queue')
    return 'failed'
  end
  setState(studyId, 'sent ' .. os.date('!%Y-%m-%dT%H:%M:%SZ'))
  dequeue(studyId)
  sent = sent + 1
  log('study ' .. studyId .. ' sent to the platform')
  return 'sent'
end

-- Rebuild the queue from Orthanc's index: every study still "queued", and every study without a state (it arrived
-- while Orthanc stopped before seeing it stable).
local function recover()
  local ids = ParseJson(RestApiGet('/studies') or '[]')
  for _, id in ipairs(ids) do
    local meta = ParseJson(RestApiGet('/studies/' .. id .. '/metadata?expand') or '{}')
    local state = meta[META]
    if state == nil or state == 'queued' then
      if state == nil then
        setState(id, 'queued')
      end
      enqueue(id)
    end
  end
  recovered = true
  log('queue recovered: ' .. #queue .. ' study(ies) waiting')
end

-- Try the waiting studies in arrival order; stop at the first failure and back off. A study whose STOW-RS failed
-- goes to the back of the queue, so one the platform keeps refusing never holds up the others.
local function flush()
  if not recovered then
    recover()
  end
  if #queue == 0 or os.time() < nextTry then
    return
  end
  for _ = 1, #queue do
    local id = queue[1]
    local result = send(id)
    if result ~= 'sent' then
      if result == 'failed' then
        table.remove(queue, 1)
        table.insert(queue, id)
      end
      failures = failures + 1
      local wait = math.min(MAX, BASE * 2 ^ (failures - 1))
      nextTry = os.time() + wait
      log(#queue .. ' study(ies) waiting; next attempt in ' .. string.format('%d', wait) .. ' s')
      return
    end
    failures = 0
    nextTry = 0
  end
end

function OnStableStudy(studyId, tags, metadata)
  setState(studyId, 'queued')
  enqueue(studyId)
  flush()
end

function GatewayTick()
  flush()
end

-- What county IT sees with `infra/gateway/status.sh` (counters since this Orthanc started).
function GatewayStatus()
  if not recovered then
    recover()
  end
  local now = os.time()
  print(DumpJson({
    queued = queue,
    attempts = attempts,
    failures = failures,
    nextAttemptInSeconds = math.max(0, nextTry - now),
    lastProblem = problem or '',
    sentSinceStart = sent,
    tokensFetched = tokensFetched,
    tokenValidForSeconds = token and math.max(0, tokenExpires - now) or 0,
  }, false))
end
