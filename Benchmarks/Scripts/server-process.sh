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
