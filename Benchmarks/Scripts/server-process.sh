# Sourced by compare.sh and memory.sh: stops the server they started (SERVER_PID) and removes its
# socket file ($SOCKET), on demand and when the script exits.
SERVER_PID=
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=
  rm -f "$SOCKET"
}
trap stop_server EXIT

# nginx's configuration for the baseline (compare.sh, server-instructions.sh): one worker answering
# every request on SOCKET with a fixed JSON body of about BODY_BYTES, keep-alive without a bound. With
# `single`, nginx runs as one process (`master_process off`), so that callgrind counts its worker.
write_nginx_conf() {  # FILE DIR SOCKET BODY_BYTES [single]
  local pad=$(( $4 > 12 ? $4 - 12 : 1 ))
  local body master=""
  body="{\"pad\":\"$(head -c "$pad" /dev/zero | tr '\0' x)\"}"
  [ "${5:-}" = single ] && master="master_process off;"
  cat >"$1" <<CONF
worker_processes 1;
$master
daemon off;
pid $2/nginx.pid;
error_log $2/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/json;
  keepalive_requests 100000000;
  keepalive_timeout 75s;
  server {
    listen unix:$3;
    location / { return 200 '$body'; }
  }
}
CONF
}
