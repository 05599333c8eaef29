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
local recovered = false -- the queue was rebuilt from the index since this Orthanc started
local failures = 0      -- consecutive failed attempts (token or STOW)
local nextTry = 0       -- os.time() before which no attempt is made
local token = nil
local tokenExpires = 0

local function log(msg)
  print('consult-gateway: ' .. msg)
end

local function enqueue(studyId)
  if not queued[studyId] then
    queued[studyId] = true
    table.insert(queue, studyId)
  end
end

local function dequeue(studyId)
  queued[studyId] = nil
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

-- A bearer token for the platform, fetched again when it is within 30 s of expiring or after a refused STOW.
local function bearer()
  if token and os.time() < tokenExpires - 30 then
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
    log('the platform is unreachable (token endpoint)')
    return nil
  end
  local ok, parsed = pcall(ParseJson, answer)
  if not ok or type(parsed) ~= 'table' or not parsed['access_token'] then
    local why = ok and type(parsed) == 'table' and (parsed['error_description'] or parsed['error']) or answer
    log('the platform refused the gateway\'s client credentials: ' .. tostring(why))
    return nil
  end
  token = parsed['access_token']
  tokenExpires = os.time() + (tonumber(parsed['expires_in']) or 60)
  return token
end

local function setState(studyId, state)
  RestApiPut('/studies/' .. studyId .. '/metadata/' .. META, state)
end

-- Send one study; true when the platform took every instance.
local function send(studyId)
  if RestApiGet('/studies/' .. studyId) == nil then
    log('study ' .. studyId .. ' was deleted from the gateway before it could be sent')
    dequeue(studyId)
    return true
  end
  local t = bearer()
  if t == nil then
    return false
  end
  local body = {
    Resources = { studyId },
    HttpHeaders = { Authorization = 'Bearer ' .. t },
    Synchronous = true,
  }
  if RestApiPost('/dicom-web/servers/platform/stow', DumpJson(body, true)) == nil then
    -- Unreachable, cut mid-transfer, or refused (an expired or revoked token): try again later with a new token.
    token = nil
    log('study ' .. studyId .. ' not sent yet (platform unreachable or refused); kept in the queue')
    return false
  end
  setState(studyId, 'sent ' .. os.date('!%Y-%m-%dT%H:%M:%SZ'))
  dequeue(studyId)
  log('study ' .. studyId .. ' sent to the platform')
  return true
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

-- Try the waiting studies in arrival order; stop at the first failure and back off.
local function flush()
  if not recovered then
    recover()
  end
  if #queue == 0 or os.time() < nextTry then
    return
  end
  while #queue > 0 do
    if not send(queue[1]) then
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

-- What county IT sees with `infra/gateway/status.sh`: the queue and the backoff.
function GatewayStatus()
  if not recovered then
    recover()
  end
  print(DumpJson({
    queued = queue,
    failures = failures,
    nextAttemptInSeconds = math.max(0, nextTry - os.time()),
  }, false))
end
