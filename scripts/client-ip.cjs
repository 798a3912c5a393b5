// Preloaded into the Next server (node --require): stamps every incoming request
// with the socket's address in a header the app trusts. Any client-sent copy is
// overwritten, so the IP used for rate limits and audit cannot be spoofed with
// headers. Behind a reverse proxy, set TRUST_PROXY_HEADER instead.
const http = require("node:http");
const HEADER = "x-gatehouse-client-ip";
process.env.GATEHOUSE_CLIENT_IP_PRELOAD = "1";
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function patchedEmit(event, req, ...rest) {
  if (event === "request" && req && req.headers) {
    req.headers[HEADER] = req.socket && req.socket.remoteAddress ? String(req.socket.remoteAddress) : "unknown";
  }
  return emit.call(this, event, req, ...rest);
};
