-- wrk script for bench/tickets: POST /api/v1/incidents with a different, realistic body on
-- every request. Titles and descriptions are drawn from a small vocabulary of IT words, so
-- that a search for one of them finds thousands of incidents once a few hundred thousand
-- exist. Arguments (after `--`): bearer token, number of organizations (ids 1..N), first and
-- last service id (0 0 for none), run tag.
--
--   wrk -t2 -c16 -d8s -s bench/tickets-create.lua http://127.0.0.1:18788 -- stw_… 20 1 10 c16

local components = {
  "database", "mailserver", "firewall", "router", "switch", "printer", "laptop", "desktop",
  "vpn", "proxy", "loadbalancer", "webserver", "fileserver", "backup", "storage", "cluster",
  "kubernetes", "container", "hypervisor", "datacenter", "wifi", "telephony", "sharepoint",
  "exchange", "directory", "ldap", "dns", "dhcp", "certificate", "gateway", "payroll",
  "warehouse", "crm", "erp", "portal", "scanner", "monitor", "keyboard", "headset", "tablet",
}
local symptoms = {
  "timeout", "outage", "crash", "slowness", "latency", "error", "failure", "degradation",
  "unreachable", "freeze", "leak", "corruption", "overload", "misconfiguration", "expired",
  "locked", "denied", "offline", "flapping", "reboot", "hang", "stuck", "missing", "duplicate",
}
local fillers = {
  "users", "report", "since", "morning", "after", "update", "patch", "deployment", "site",
  "office", "branch", "several", "intermittent", "repeated", "customer", "finance", "sales",
  "support", "team", "login", "password", "account", "access", "network", "connection",
  "packet", "disk", "memory", "cpu", "queue", "service", "restart", "ticket", "escalation",
  "vendor", "license", "invoice", "upload", "download", "sync", "replication", "snapshot",
  "alert", "threshold", "log", "trace", "session", "browser", "client", "agent", "node",
  "host", "port", "tls", "handshake", "shared", "drive", "folder", "calendar", "meeting",
  "video", "audio", "call", "mobile", "device", "firmware", "driver", "power", "cooling",
  "rack", "cable", "battery", "screen", "keyboard", "mouse", "badge", "door", "camera",
  "archive", "retention", "quota", "mailbox", "spam", "phishing", "malware", "antivirus",
  "policy", "group", "role", "permission", "audit", "compliance", "release", "rollback",
}
local places = {
  "amsterdam", "berlin", "london", "paris", "madrid", "vienna", "zurich", "dublin", "oslo",
  "prague", "warsaw", "lisbon", "milan", "brussels", "helsinki", "stockholm",
}
local levels = { "high", "medium", "low" }
local categories = { "hardware", "software", "network", "access", "security", "facilities" }

local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local token, orgs, svc_from, svc_to, tag
local counter = 0

function init(args)
  token = args[1]
  orgs = tonumber(args[2]) or 1
  svc_from = tonumber(args[3]) or 0
  svc_to = tonumber(args[4]) or 0
  tag = args[5] or ""
  math.randomseed(os.time() + 7919 * (tid or 0) + #tag * 104729)
end

local function pick(t)
  return t[math.random(#t)]
end

local function sentence(n)
  local w = {}
  for i = 1, n do
    local r = math.random(10)
    if r <= 2 then
      w[i] = pick(components)
    elseif r <= 3 then
      w[i] = pick(symptoms)
    else
      w[i] = pick(fillers)
    end
  end
  return table.concat(w, " ")
end

request = function()
  counter = counter + 1
  local title = string.format("%s %s at %s %s", pick(components), pick(symptoms), pick(places),
    sentence(math.random(1, 3)))
  local description = string.format("%s. %s %s reported by %s. %s.", sentence(math.random(8, 20)),
    pick(components), pick(symptoms), pick(places), sentence(math.random(4, 12)))
  local service = ""
  if svc_to > 0 and math.random(4) > 1 then
    service = string.format(',"service_id":%d', math.random(svc_from, svc_to))
  end
  local body = string.format(
    '{"title":"%s","description":"%s","impact":"%s","urgency":"%s","organization_id":%d,"category":"%s"%s}',
    title, description, pick(levels), pick(levels), math.random(orgs), pick(categories), service)
  return wrk.format("POST", "/api/v1/incidents",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }, body)
end
