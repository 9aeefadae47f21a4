#!/usr/bin/env bash
# A second test IMAP server for dtr-gateway's integration tests: Cyrus IMAP
# from Debian's packages, beside the Dovecot of scripts/mailservers.sh, on
# 127.0.0.1 only. The packages are downloaded and unpacked into a state
# folder, never installed (installing cyrus-imapd would remove
# dovecot-imapd), and Cyrus runs from configuration kept there.
#
#   scripts/cyrus.sh [start]              download if missing, configure, start
#   scripts/cyrus.sh stop                 stop it
#   scripts/cyrus.sh env                  print the export lines for the tests
#   scripts/cyrus.sh reset-mailbox USER   empty USER's inbox
#   scripts/cyrus.sh kick USER            end USER's sessions: the server
#                                         closes them, as Cyrus does when an
#                                         IDLE outlives its timeout
#
# Typical use:  eval "$(scripts/cyrus.sh start)"
# Only the export lines go to standard output; progress goes to standard error.
#
# Environment (all optional):
#   DTR_CYRUS_DIR         state folder        (default /var/tmp/dtr-gateway-cyrus)
#   DTR_CYRUS_IMAP_PORT   IMAP + STARTTLS     (default 11143)
#   DTR_CYRUS_IMAPS_PORT  IMAP over TLS       (default 11993)
#   DTR_MAIL_PASSWORD     every user's password (default dtr-test-password)
#
# Users (IMAP login = bare name) are those of scripts/mailservers.sh: the 14
# Essex authorities, lead, senior, head, referrer, gateway, other, probation,
# and `expired`, whose login always fails with the common password; each has
# an INBOX. `cyrusadmin` (same password) administers them. Cyrus has no
# delivery from Postfix here: tests put mail in with IMAP APPEND.
# The server certificate is signed by the private CA of
# scripts/mailservers.sh (made by `mailservers.sh ca` when missing), so
# clients trust the same CA file for both servers.
# Cyrus logs only to syslog, and there is none here: its own messages are
# lost; the master's start-up errors go to log/master.log.
# Must run as root (it starts a daemon that binds as root and runs as nobody).
set -euo pipefail

SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CYRUS_DIR=${DTR_CYRUS_DIR:-/var/tmp/dtr-gateway-cyrus}
IMAP_PORT=${DTR_CYRUS_IMAP_PORT:-11143}
IMAPS_PORT=${DTR_CYRUS_IMAPS_PORT:-11993}
PASSWORD=${DTR_MAIL_PASSWORD:-dtr-test-password}
LISTEN_ADDR=127.0.0.1
READY_TIMEOUT=20

USERS=(basildon braintree brentwood castle-point chelmsford colchester
  epping-forest harlow maldon rochford southend tendring thurrock uttlesford
  lead senior head referrer gateway other probation)
EXPIRED_USER=expired
ADMIN=cyrusadmin
# Cyrus refuses to run as root: it binds as root and runs as this user.
RUN_USER=nobody
RUN_GROUP=nogroup

# What is downloaded: these, and every library they need (first choice of
# each dependency) that the machine lacks.
PACKAGES=(cyrus-imapd cyrus-common sasl2-bin db5.3-util)

DEBS=$CYRUS_DIR/debs
ROOT=$CYRUS_DIR/root # the unpacked packages
STATE=$CYRUS_DIR/state # owned by $RUN_USER: Cyrus writes here
CONFIG_DIR=$STATE/config # Cyrus's configdirectory
SPOOL=$STATE/spool
TLS_DIR=$STATE/tls
LOG_DIR=$CYRUS_DIR/log
RUN_DIR=$CYRUS_DIR/run
IMAPD_CONF=$CYRUS_DIR/imapd.conf
CYRUS_CONF=$CYRUS_DIR/cyrus.conf
SASLDB=$STATE/sasldb2
PIDFILE=$RUN_DIR/master.pid
CONFIG_HASH=$RUN_DIR/config-hash
BIN=$ROOT/usr/lib/cyrus/bin

log() { printf 'cyrus: %s\n' "$*" >&2; }
die() {
  printf 'cyrus: error: %s\n' "$*" >&2
  exit 1
}

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
}

need_root() { [[ $EUID -eq 0 ]] || die "must run as root"; }

# Serialise concurrent invocations (several test processes at once).
take_lock() {
  mkdir -p "$CYRUS_DIR"
  exec 9>"$CYRUS_DIR/.lock"
  flock -w 120 9 || die "another cyrus.sh holds $CYRUS_DIR/.lock"
}

# --------------------------------------------------------------------------
# Packages

installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

# The first choice of each of a package's dependencies.
first_dependencies() {
  apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances "$1" 2>/dev/null |
    awk '/^ *\|?(Pre)?Depends:/ {
           alternative = ($1 ~ /^\|/); name = $2
           if (!skip && name !~ /^</) { sub(/:.*/, "", name); print name }
           skip = alternative
         }'
}

# PACKAGES and the libraries they need that are not installed.
wanted_packages() {
  local -A seen=()
  local queue=("${PACKAGES[@]}") package dependency
  while ((${#queue[@]} > 0)); do
    package=${queue[0]}
    queue=("${queue[@]:1}")
    [[ -z ${seen[$package]:-} ]] || continue
    seen[$package]=1
    installed "$package" && continue
    echo "$package"
    for dependency in $(first_dependencies "$package"); do
      [[ $dependency == lib* && -z ${seen[$dependency]:-} ]] && queue+=("$dependency")
    done
  done
}

library_path() {
  local dirs=() d
  for d in "$ROOT"/usr/lib/*-linux-gnu "$ROOT"/lib/*-linux-gnu; do
    [[ -d $d ]] && dirs+=("$d")
  done
  local IFS=:
  echo "${dirs[*]}"
}

# Where libsasl2 finds its plugins: those unpacked here (libsasl2-modules,
# when the machine lacks it) and the machine's own (libsasl2-modules-db).
sasl_path() {
  local dirs=() d
  for d in "$ROOT"/usr/lib/*-linux-gnu/sasl2 /usr/lib/*-linux-gnu/sasl2; do
    [[ -d $d ]] && dirs+=("$d")
  done
  local IFS=:
  echo "${dirs[*]}"
}

# Runs one of the unpacked programs with its libraries.
run_cyrus() {
  env LD_LIBRARY_PATH="$(library_path)" SASL_PATH="$(sasl_path)" "$@"
}

ensure_packages() {
  if [[ -f $ROOT/.complete && -x $BIN/master && -x $ROOT/usr/sbin/saslpasswd2 ]]; then
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 || die "apt-get is needed to download Cyrus"
  command -v ss >/dev/null 2>&1 || die "ss (iproute2) is needed; run scripts/mailservers.sh start first"
  local packages=()
  mapfile -t packages < <(wanted_packages)
  if ((${#packages[@]} == 0)) || [[ ${packages[0]} != cyrus-imapd ]]; then
    # No package lists yet (a fresh machine): apt-cache knows nothing.
    log "updating the package lists"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 update -q </dev/null >&2 ||
      die "apt-get update failed"
    mapfile -t packages < <(wanted_packages)
  fi
  [[ ${packages[0]:-} == cyrus-imapd ]] ||
    die "cyrus-imapd is installed on this machine, or unknown to apt; this script runs its own copy"
  log "downloading ${packages[*]}"
  rm -rf "$DEBS" "$ROOT"
  mkdir -p "$DEBS" "$ROOT"
  (cd "$DEBS" && apt-get -q -o APT::Sandbox::User=root download "${packages[@]}" </dev/null >&2) ||
    die "apt-get download failed"
  local deb
  for deb in "$DEBS"/*.deb; do
    dpkg-deb -x "$deb" "$ROOT" || die "cannot unpack $deb"
  done
  local missing
  missing=$(run_cyrus ldd "$BIN/master" "$BIN/imapd" "$BIN/idled" "$ROOT/usr/sbin/saslpasswd2" |
    grep 'not found' | sort -u || true)
  [[ -z $missing ]] || die "libraries missing for the unpacked Cyrus:
$missing"
  printf '%s\n' "${packages[@]}" >"$ROOT/.complete"
}

# --------------------------------------------------------------------------
# Configuration

# Write $2 into file $1 only when it differs (keeps mtimes stable).
write_file() {
  local file=$1 content=$2 mode=${3:-644}
  if [[ -f $file ]] && [[ "$(cat "$file")" == "$content" ]]; then
    return 0
  fi
  local tmp
  tmp=$(mktemp "$file.XXXXXX")
  printf '%s\n' "$content" >"$tmp"
  chmod "$mode" "$tmp"
  mv -f "$tmp" "$file"
}

# A server certificate of its own, signed by the private CA of
# mailservers.sh, readable by the user Cyrus runs as.
ensure_tls() {
  local ca_dir
  ca_dir=$(bash "$SCRIPTS/mailservers.sh" ca | sed -n 's/^export DTR_MAIL_TLS_DIR=//p')
  [[ -n $ca_dir && -s $ca_dir/ca.pem && -s $ca_dir/ca.key ]] ||
    die "scripts/mailservers.sh ca did not make the private CA"
  CA_FILE=$ca_dir/ca.pem
  mkdir -p "$TLS_DIR"
  if [[ -s $TLS_DIR/server.pem && -s $TLS_DIR/server.key ]] &&
    openssl verify -CAfile "$CA_FILE" "$TLS_DIR/server.pem" >/dev/null 2>&1; then
    return 0
  fi
  log "generating the server certificate"
  local ext=$TLS_DIR/server.ext
  cat >"$ext" <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
  (
    umask 077
    openssl req -new -newkey rsa:2048 -nodes -sha256 \
      -keyout "$TLS_DIR/server.key" -out "$TLS_DIR/server.csr" \
      -subj "/O=dtr-gateway tests/CN=localhost" 2>/dev/null &&
      openssl x509 -req -sha256 -days 3650 -in "$TLS_DIR/server.csr" \
        -CA "$CA_FILE" -CAkey "$ca_dir/ca.key" -CAcreateserial \
        -CAserial "$TLS_DIR/ca.srl" -extfile "$ext" -out "$TLS_DIR/server.pem" 2>/dev/null
  ) || die "openssl failed to make the server certificate"
  rm -f "$TLS_DIR/server.csr" "$ext" "$TLS_DIR/ca.srl"
  chown "$RUN_USER:$RUN_GROUP" "$TLS_DIR/server.key" "$TLS_DIR/server.pem"
  chmod 600 "$TLS_DIR/server.key"
  chmod 644 "$TLS_DIR/server.pem"
}

write_configs() {
  mkdir -p "$LOG_DIR" "$RUN_DIR" "$STATE" "$CONFIG_DIR" "$SPOOL"
  # The folders Cyrus expects and does not make.
  local sub letter
  for sub in db proc socket log msg user quota lock sieve; do
    mkdir -p "$CONFIG_DIR/$sub"
  done
  for letter in {a..z}; do
    mkdir -p "$CONFIG_DIR/user/$letter" "$CONFIG_DIR/quota/$letter" \
      "$CONFIG_DIR/lock/$letter" "$SPOOL/$letter"
  done
  chown -R "$RUN_USER:$RUN_GROUP" "$STATE"
  chmod 755 "$CYRUS_DIR" "$STATE"

  write_file "$IMAPD_CONF" "# Generated by scripts/cyrus.sh; do not edit.
configdirectory: $CONFIG_DIR
partition-default: $SPOOL
defaultpartition: default
sievedir: $CONFIG_DIR/sieve
servername: localhost
cyrus_user: $RUN_USER
cyrus_group: $RUN_GROUP
admins: $ADMIN

# Users from a private sasldb (Debian's libsasl2 has no alwaystrue);
# plain-text login is allowed on the non-TLS port too.
allowplaintext: yes
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: $SASLDB
sasl_mech_list: PLAIN LOGIN
# A refused login is answered at once (the default pauses 3 s).
failedloginpause: 0

# The admin's CREATE user.NAME is NAME's INBOX.
altnamespace: no
unixhierarchysep: no
hashimapspool: true
delete_mode: immediate
expunge_mode: immediate

# IDLE announces new mail at once through idled (else it polls every 60 s).
idlesocket: $CONFIG_DIR/socket/idle
notifysocket: $CONFIG_DIR/socket/notify
lmtpsocket: $CONFIG_DIR/socket/lmtp

tls_server_cert: $TLS_DIR/server.pem
tls_server_key: $TLS_DIR/server.key"

  # The master passes neither its configuration nor a search path to what
  # it starts: every command is absolute and names the configuration.
  local c="-C $IMAPD_CONF"
  write_file "$CYRUS_CONF" "# Generated by scripts/cyrus.sh; do not edit.
START {
  recover cmd=\"$BIN/ctl_cyrusdb $c -r\"
}
SERVICES {
  imap  cmd=\"$BIN/imapd $c\" listen=\"$LISTEN_ADDR:$IMAP_PORT\" prefork=0 maxchild=200
  imaps cmd=\"$BIN/imapd $c -s\" listen=\"$LISTEN_ADDR:$IMAPS_PORT\" prefork=0 maxchild=200
}
EVENTS {
  checkpoint cmd=\"$BIN/ctl_cyrusdb $c -c\" period=30
}
DAEMON {
  idled cmd=\"$BIN/idled $c\"
}"
}

# Every user in the sasldb, with the password they should have.
ensure_users() {
  [[ $PASSWORD != *$'\n'* ]] || die "DTR_MAIL_PASSWORD must not contain a newline"
  local u
  for u in "$ADMIN" "${USERS[@]}"; do
    printf '%s' "$PASSWORD" | run_cyrus "$ROOT/usr/sbin/saslpasswd2" -p -c -f "$SASLDB" -u localhost "$u" ||
      die "saslpasswd2 failed for $u"
  done
  printf '%s' "expired-$PASSWORD-never-matches" |
    run_cyrus "$ROOT/usr/sbin/saslpasswd2" -p -c -f "$SASLDB" -u localhost "$EXPIRED_USER" ||
    die "saslpasswd2 failed for $EXPIRED_USER"
  chown "$RUN_USER:$RUN_GROUP" "$SASLDB"
  chmod 600 "$SASLDB"
}

config_hash() {
  cat "$IMAPD_CONF" "$CYRUS_CONF" "$TLS_DIR/server.pem" 2>/dev/null | sha256sum | cut -d' ' -f1
}

# --------------------------------------------------------------------------
# Talking IMAP from the shell (over plain TCP on loopback)

# imap_session USER PASSWORD COMMAND...: logs in, runs each command, logs
# out; prints every answer. Fails when the login or a command is refused,
# unless the command starts with '?' (its NO is expected: the '?' is dropped).
imap_session() {
  local user=$1 password=$2 line tag=0 command optional status=0
  shift 2
  exec 3<>"/dev/tcp/$LISTEN_ADDR/$IMAP_PORT" || return 1
  IFS= read -r -t 10 line <&3 || {
    exec 3<&-
    return 1
  }
  for command in "LOGIN \"$user\" \"$password\"" "$@" "LOGOUT"; do
    optional=no
    if [[ $command == \?* ]]; then
      optional=yes
      command=${command#\?}
    fi
    tag=$((tag + 1))
    printf 't%d %s\r\n' "$tag" "$command" >&3
    while IFS= read -r -t 30 line <&3; do
      line=${line%$'\r'}
      printf '%s\n' "$line"
      if [[ $line == "t$tag "* ]]; then
        if [[ $line != "t$tag OK"* && $optional == no ]]; then
          status=1
        fi
        break
      fi
    done
    ((status == 0)) || break
  done
  exec 3<&-
  return $status
}

# Each user's INBOX (the admin creates user.NAME; one that exists is fine).
ensure_mailboxes() {
  local commands=() u out
  for u in "${USERS[@]}" "$EXPIRED_USER"; do
    commands+=("?CREATE user.$u")
  done
  out=$(imap_session "$ADMIN" "$PASSWORD" "${commands[@]}") ||
    die "cannot make the users' inboxes:
$out"
  if grep -E '^t[0-9]+ NO' <<<"$out" | grep -vq 'ALREADYEXISTS\|already exists'; then
    die "cannot make the users' inboxes:
$out"
  fi
}

# --------------------------------------------------------------------------
# The daemon

# Closes every descriptor but the standard three, in the subshell that
# starts a daemon: a daemon that kept one would keep it for as long as it
# runs, and with it any lock taken on it (such as a caller's
# `flock LOCKFILE cargo test`), which would then never be released.
close_inherited_fds() {
  local fd
  for fd in /proc/self/fd/*; do
    fd=${fd##*/}
    if ((fd > 2)); then eval "exec $fd>&-"; fi
  done
}

pid_alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; }

# The pid of this state folder's Cyrus master, if it runs.
master_pid() {
  local pid cmdline
  pid=$(cat "$PIDFILE" 2>/dev/null || true)
  pid_alive "$pid" || return 0
  cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" || true)
  [[ $cmdline == *"/master -C $IMAPD_CONF "* ]] && echo "$pid"
  return 0
}

# Processes started from this state folder's configuration.
own_processes() {
  local dir cmdline
  for dir in /proc/[0-9]*; do
    cmdline=$(tr '\0' ' ' 2>/dev/null <"$dir/cmdline" || true)
    [[ $cmdline == *" -C $IMAPD_CONF"* ]] && echo "${dir#/proc/}"
  done
  return 0
}

port_listening() {
  ss -ltnH "sport = :$1" 2>/dev/null | grep -q "$LISTEN_ADDR:$1\b"
}

wait_ports() { # wait_ports STATE PORT... (STATE: up|down)
  local want=$1 deadline=$((SECONDS + READY_TIMEOUT)) port pending
  shift
  while :; do
    pending=()
    for port in "$@"; do
      if [[ $want == up ]]; then
        port_listening "$port" || pending+=("$port")
      else
        port_listening "$port" && pending+=("$port")
      fi
    done
    ((${#pending[@]} == 0)) && return 0
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

start_master() {
  local port
  for port in "$IMAP_PORT" "$IMAPS_PORT"; do
    ! port_listening "$port" ||
      die "port $port is in use by another program; choose others with DTR_CYRUS_IMAP_PORT, DTR_CYRUS_IMAPS_PORT"
  done
  log "starting cyrus ($IMAPD_CONF)"
  rm -f "$PIDFILE" "$CONFIG_DIR/socket/"*
  # -d: the master detaches, its children keep no descriptor of ours.
  (close_inherited_fds && run_cyrus "$BIN/master" -C "$IMAPD_CONF" -M "$CYRUS_CONF" -p "$PIDFILE" -d) \
    </dev/null >>"$LOG_DIR/master.log" 2>&1 ||
    die "cyrus failed to start; see $LOG_DIR/master.log:
$(tail -n 20 "$LOG_DIR/master.log" 2>/dev/null)"
  wait_ports up "$IMAP_PORT" "$IMAPS_PORT" ||
    die "cyrus is not listening on $LISTEN_ADDR:$IMAP_PORT and :$IMAPS_PORT after ${READY_TIMEOUT}s; see $LOG_DIR/master.log"
  config_hash >"$CONFIG_HASH"
}

# The master stops its children when it gets SIGTERM.
stop_master() {
  local pid i
  pid=$(master_pid)
  rm -f "$CONFIG_HASH"
  [[ -n $pid ]] || return 0
  log "stopping cyrus (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    pid_alive "$pid" || break
    sleep 0.1
  done
  if pid_alive "$pid"; then
    log "pid $pid did not exit; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  # Children left behind (with the master killed) go too.
  local child
  for child in $(own_processes); do
    kill -TERM "$child" 2>/dev/null || true
  done
  wait_ports down "$IMAP_PORT" "$IMAPS_PORT" ||
    die "ports $IMAP_PORT, $IMAPS_PORT still in use after stopping cyrus"
}

ensure_master() {
  if [[ -n "$(master_pid)" ]]; then
    if [[ "$(cat "$CONFIG_HASH" 2>/dev/null || true)" == "$(config_hash)" ]]; then
      return 0
    fi
    log "cyrus configuration changed; restarting it"
    stop_master
  fi
  start_master
}

print_env() {
  printf 'export DTR_CYRUS_DIR=%q\n' "$CYRUS_DIR"
  printf 'export DTR_CYRUS_HOST=%s\n' "$LISTEN_ADDR"
  printf 'export DTR_CYRUS_IMAP_PORT=%s\n' "$IMAP_PORT"
  printf 'export DTR_CYRUS_IMAPS_PORT=%s\n' "$IMAPS_PORT"
  printf 'export DTR_CYRUS_ADMIN=%s\n' "$ADMIN"
  # The CA that signed the certificate: the one of mailservers.sh.
  bash "$SCRIPTS/mailservers.sh" env | sed -n 's/^export DTR_MAIL_CA=/export DTR_CYRUS_CA=/p'
  printf 'export DTR_MAIL_PASSWORD=%q\n' "$PASSWORD"
}

cmd_start() {
  need_root
  take_lock
  ensure_packages
  ensure_tls
  write_configs
  ensure_users
  ensure_master
  ensure_mailboxes
  print_env
}

cmd_stop() {
  need_root
  take_lock
  stop_master
  log "stopped"
}

cmd_reset_mailbox() {
  local user=${1:-}
  [[ -n $user ]] || die "usage: $0 reset-mailbox USER"
  [[ -n "$(master_pid)" ]] || die "cyrus is not running; run '$0 start' first"
  local out
  out=$(imap_session "$user" "$PASSWORD" "SELECT INBOX" "?UID STORE 1:* +FLAGS.SILENT (\\Deleted)" "EXPUNGE") ||
    die "cannot empty the inbox of $user:
$out"
}

# Cyrus keeps a file per session under proc/, named by the serving
# process and naming the user; SIGTERM ends the session as an idle timeout
# does (the connection is closed).
cmd_kick() {
  local user=${1:-} file pid kicked=0
  [[ -n $user ]] || die "usage: $0 kick USER"
  need_root
  for file in "$CONFIG_DIR"/proc/*; do
    [[ -f $file ]] || continue
    [[ "$(cut -f3 "$file" 2>/dev/null)" == "$user" ]] || continue
    pid=${file##*/}
    [[ $pid =~ ^[0-9]+$ ]] && kill -TERM "$pid" 2>/dev/null && kicked=$((kicked + 1))
  done
  log "ended $kicked session(s) of $user"
}

main() {
  local cmd=${1:-start}
  (($# > 0)) && shift
  case $cmd in
    start) cmd_start ;;
    stop) cmd_stop ;;
    env) print_env ;;
    reset-mailbox) cmd_reset_mailbox "$@" ;;
    kick) cmd_kick "$@" ;;
    -h | --help | help) usage ;;
    *)
      usage
      die "unknown subcommand '$cmd'"
      ;;
  esac
}

main "$@"
