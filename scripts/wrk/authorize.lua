-- wrk script: AuthorizeSecurityGroup, one new rule per call (a distinct /32 source and port), spread
-- over the groups in $SGMOCK_GROUPS (comma-separated), as an SDK sends it: a POST form, JSON answer.
-- wrk reports any non-2xx answer ("Non-2xx or 3xx responses"), so a failing run is never read as fast.
local groups = {}
for id in string.gmatch(os.getenv("SGMOCK_GROUPS") or "", "[^,]+") do
  groups[#groups + 1] = id
end

-- Each wrk thread counts from its own offset, and each run from $SGMOCK_FIRST (a run against a
-- server that earlier runs filled must start past their calls), so no two calls add the same rule
-- (a duplicate would take ECS's cheaper "already there" path).
local first = tonumber(os.getenv("SGMOCK_FIRST") or "0")
local threads = 0
setup = function(thread)
  thread:set("offset", first + threads * 100000000)
  threads = threads + 1
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
local n = 0

request = function()
  n = n + 1
  local i = (offset or 0) + n
  local sg = groups[(i % #groups) + 1]
  local port = (i % 65535) + 1
  local k = math.floor(i / 65535)
  local cidr = string.format("10.%d.%d.%d%%2F32", math.floor(k / 65536) % 256, math.floor(k / 256) % 256, k % 256)
  local body = "Action=AuthorizeSecurityGroup&Version=2014-05-26&Format=JSON&RegionId=cn-hangzhou"
    .. "&SecurityGroupId=" .. sg .. "&IpProtocol=tcp&PortRange=" .. port .. "%2F" .. port
    .. "&SourceCidrIp=" .. cidr .. "&Description=bench"
  return wrk.format(nil, "/", nil, body)
end
