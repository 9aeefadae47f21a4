#!/usr/bin/env bash
# Test mail servers for dtr-gateway's integration tests: a private Dovecot
# (IMAP, IMAPS, LMTP) and a private Postfix (SMTP), on 127.0.0.1 only, run
# from configuration kept in a state folder, never from /etc.
#
#   scripts/mailservers.sh [start]        install if missing, configure, start
#   scripts/mailservers.sh stop           stop both daemons
#   scripts/mailservers.sh env            print the export lines for the tests
#   scripts/mailservers.sh reset-mailbox USER   empty every folder of USER
#   scripts/mailservers.sh stop-imap      stop Dovecot only (simulated outage)
#   scripts/mailservers.sh start-imap     start Dovecot only (recovery)
#   scripts/mailservers.sh ca             make the private CA if missing and
#                                         print its folder (scripts/cyrus.sh
#                                         signs its certificate with it)
#
# Typical use:  eval "$(scripts/mailservers.sh start)"
# Only the export lines go to standard output; progress goes to standard error.
#
# Environment (all optional):
#   DTR_MAIL_DIR       state folder        (default /var/tmp/dtr-gateway-mail)
#   DTR_IMAP_PORT      IMAP + STARTTLS     (default 10143)
#   DTR_IMAPS_PORT     IMAP over TLS       (default 10993)
#   DTR_SMTP_PORT      SMTP + STARTTLS     (default 10025)
#   DTR_SMTPS_PORT     SMTP over TLS       (default 10465)
#   DTR_OAUTH_PORT     the token introspection endpoint Dovecot asks about
#                      XOAUTH2 logins (default 10081): served by the tests
#                      that sign in with tokens, on 127.0.0.1, while they run
#   DTR_MAIL_PASSWORD  every user's password (default dtr-test-password)
#
# Users (IMAP login = bare name): the 14 Essex authorities, each
# NAME@lha.test; an authority's people lead, senior and head @lha.test
# (operational lead, dispute contact, next level); referrer, gateway and
# other @justice.test; probation @justice.test, which also receives the mail
# of every officer.NUMBER@justice.test (many distinct referrers, for the load
# test); and `expired`, whose login always fails with the common password.
# Re-running `start` adds any user missing from an existing state folder
# (and restarts the servers to pick them up).
#
# Logins: passwords (PLAIN, LOGIN) from the users file, and OAuth2 access
# tokens (XOAUTH2, OAUTHBEARER), which Dovecot's oauth2 passdb checks with
# the introspection endpoint on DTR_OAUTH_PORT: a token is good when that
# endpoint says it is active for the user logging in. Postfix offers SMTP
# AUTH after STARTTLS (or on its TLS port) through Dovecot's SASL, so both
# kinds of login work for SMTP too; mail for the two test domains is still
# taken without a login.
# Must run as root (it installs packages and starts daemons).
set -euo pipefail

MAIL_DIR=${DTR_MAIL_DIR:-/var/tmp/dtr-gateway-mail}
IMAP_PORT=${DTR_IMAP_PORT:-10143}
IMAPS_PORT=${DTR_IMAPS_PORT:-10993}
SMTP_PORT=${DTR_SMTP_PORT:-10025}
SMTPS_PORT=${DTR_SMTPS_PORT:-10465}
OAUTH_PORT=${DTR_OAUTH_PORT:-10081}
PASSWORD=${DTR_MAIL_PASSWORD:-dtr-test-password}
LISTEN_ADDR=127.0.0.1
READY_TIMEOUT=20

AUTHORITIES=(basildon braintree brentwood castle-point chelmsford colchester
  epping-forest harlow maldon rochford southend tendring thurrock uttlesford)
# An authority's own people, for the deadline follow-ups (also @lha.test).
AUTHORITY_PEOPLE=(lead senior head)
JUSTICE_USERS=(referrer gateway other probation)
# officer.NUMBER@justice.test, any number, is delivered to this user.
OFFICERS_USER=probation
AUTHORITY_DOMAIN=lha.test
JUSTICE_DOMAIN=justice.test
MAIL_USER=mail # system user owning the Maildirs (uid 8 on Debian)

PACKAGES=(postfix dovecot-core dovecot-imapd dovecot-lmtpd)

TLS_DIR=$MAIL_DIR/tls
LOG_DIR=$MAIL_DIR/log
DOVECOT_CONF=$MAIL_DIR/dovecot.conf
DOVECOT_USERS=$MAIL_DIR/dovecot-users
DOVECOT_OAUTH2=$MAIL_DIR/dovecot-oauth2.conf.ext
DOVECOT_RUN=$MAIL_DIR/run/dovecot # Dovecot's base_dir (sockets, master.pid)
DOVECOT_STATE=$MAIL_DIR/dovecot-state
DOVECOT_HASH=$MAIL_DIR/run/dovecot.config-hash
MAILDIRS=$MAIL_DIR/mail
POSTFIX_DIR=$MAIL_DIR/postfix # Postfix's config_directory
POSTFIX_QUEUE=$MAIL_DIR/postfix-queue
POSTFIX_DATA=$MAIL_DIR/postfix-data
POSTFIX_HASH=$MAIL_DIR/run/postfix.config-hash

log() { printf 'mailservers: %s\n' "$*" >&2; }
die() {
  printf 'mailservers: error: %s\n' "$*" >&2
  exit 1
}

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
}

# --------------------------------------------------------------------------
# Installation

pkg_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

ensure_packages() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    pkg_installed "$p" || missing+=("$p")
  done
  # Only named when absent: naming openssl would upgrade the machine's OpenSSL.
  command -v openssl >/dev/null 2>&1 || pkg_installed openssl || missing+=(openssl)
  command -v ss >/dev/null 2>&1 || missing+=(iproute2)
  command -v flock >/dev/null 2>&1 || missing+=(util-linux)
  ((${#missing[@]} == 0)) && return 0

  [[ $EUID -eq 0 ]] || die "packages missing (${missing[*]}) and not running as root"
  log "installing: ${missing[*]}"
  local policy=/usr/sbin/policy-rc.d had_policy=no
  if [[ -e $policy ]]; then
    had_policy=yes
  else
    # Keep the packages' init scripts from starting system-wide daemons.
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    trap 'rm -f /usr/sbin/policy-rc.d; exit 130' INT TERM
  fi
  local rc=0
  {
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections &&
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 update -q &&
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -q \
        --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "${missing[@]}"
  } </dev/null >&2 || rc=$?
  if [[ $had_policy == no ]]; then
    rm -f "$policy"
    trap - EXIT INT TERM
  fi
  ((rc == 0)) || die "package installation failed (exit $rc)"
}

# --------------------------------------------------------------------------
# Helpers

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

files_hash() { cat "$@" 2>/dev/null | sha256sum | cut -d' ' -f1; }

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

proc_comm() { cat "/proc/$1/comm" 2>/dev/null || true; }

proc_ppid() { awk '/^PPid:/ {print $2}' "/proc/$1/status" 2>/dev/null || true; }

# The pid of this state folder's Dovecot master, if it runs (a stale pid
# file whose pid now belongs to another process does not count).
dovecot_pid() {
  local pid cmdline
  pid=$(cat "$DOVECOT_RUN/master.pid" 2>/dev/null || true)
  pid_alive "$pid" || return 0
  cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" || true)
  if [[ "$(proc_comm "$pid")" == dovecot && $cmdline == *" -c $DOVECOT_CONF "* ]]; then
    echo "$pid"
  fi
}

# Likewise for Postfix's master, which runs in its queue directory.
postfix_pid() {
  local pid
  pid=$(tr -d ' ' 2>/dev/null <"$POSTFIX_QUEUE/pid/master.pid" || true)
  if pid_alive "$pid" && [[ "$(proc_comm "$pid")" == master ]] &&
    [[ "$(readlink "/proc/$pid/cwd" 2>/dev/null || true)" == "$(readlink -f "$POSTFIX_QUEUE")" ]]; then
    echo "$pid"
  fi
}

port_listening() {
  ss -ltnH "sport = :$1" 2>/dev/null | grep -q "$LISTEN_ADDR:$1\b"
}

# Pids of the processes holding a listening TCP socket on port $1.
port_pids() {
  ss -ltnpH "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u
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

wait_gone() { # wait_gone PID
  local i
  for ((i = 0; i < 100; i++)); do
    pid_alive "$1" || return 0
    sleep 0.1
  done
  log "pid $1 did not exit; killing it"
  kill -KILL "$1" 2>/dev/null || true
}

# A system-wide (or other foreign) Dovecot or Postfix holding one of our
# ports is stopped; any other program there is an error. Our own daemons
# (from this state folder) are left alone.
free_ports() {
  local own_dovecot own_postfix port pid comm parent master freed=()
  own_dovecot=$(dovecot_pid)
  own_postfix=$(postfix_pid)
  for port in "$@"; do
    for pid in $(port_pids "$port"); do
      parent=$(proc_ppid "$pid")
      if [[ -n $own_dovecot && ($pid == "$own_dovecot" || $parent == "$own_dovecot") ]] ||
        [[ -n $own_postfix && ($pid == "$own_postfix" || $parent == "$own_postfix") ]]; then
        continue
      fi
      comm=$(proc_comm "$pid")
      master=
      case $comm in
        dovecot | master) master=$pid ;;
        *) [[ "$(proc_comm "$parent")" =~ ^(dovecot|master)$ ]] && master=$parent ;;
      esac
      [[ -n $master ]] ||
        die "port $port is in use by '$comm' (pid $pid); choose others with DTR_IMAP_PORT, DTR_IMAPS_PORT, DTR_SMTP_PORT, DTR_SMTPS_PORT"
      log "stopping foreign $(proc_comm "$master") (pid $master: $(tr '\0' ' ' 2>/dev/null <"/proc/$master/cmdline")) holding port $port"
      kill -TERM "$master" 2>/dev/null || true
      wait_gone "$master"
      freed+=("$port")
    done
  done
  ((${#freed[@]} == 0)) || wait_ports down "${freed[@]}" || die "ports ${freed[*]} still in use"
}

# --------------------------------------------------------------------------
# TLS: a private CA and a server certificate, made once and then reused.

ensure_tls() {
  mkdir -p "$TLS_DIR"
  chmod 755 "$TLS_DIR"
  if [[ ! -s $TLS_DIR/ca.pem || ! -s $TLS_DIR/ca.key ]]; then
    log "generating the private CA in $TLS_DIR"
    rm -f "$TLS_DIR"/server.*
    (
      umask 077
      openssl req -x509 -new -newkey rsa:2048 -nodes -sha256 -days 3650 \
        -keyout "$TLS_DIR/ca.key" -out "$TLS_DIR/ca.pem.tmp" \
        -subj "/O=dtr-gateway tests/CN=dtr-gateway test CA" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash" 2>/dev/null
    ) || die "openssl failed to make the CA"
    chmod 644 "$TLS_DIR/ca.pem.tmp"
    mv -f "$TLS_DIR/ca.pem.tmp" "$TLS_DIR/ca.pem"
  fi
  if [[ ! -s $TLS_DIR/server.pem || ! -s $TLS_DIR/server.key ]]; then
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
          -CA "$TLS_DIR/ca.pem" -CAkey "$TLS_DIR/ca.key" -CAcreateserial \
          -extfile "$ext" -out "$TLS_DIR/server.pem.tmp" 2>/dev/null
    ) || die "openssl failed to make the server certificate"
    chmod 644 "$TLS_DIR/server.pem.tmp"
    mv -f "$TLS_DIR/server.pem.tmp" "$TLS_DIR/server.pem"
    rm -f "$TLS_DIR/server.csr" "$ext" "$TLS_DIR/ca.srl"
  fi
}

# --------------------------------------------------------------------------
# Configuration

dovecot_version() { dovecot --version 2>/dev/null | awk '{print $1}'; }

write_dovecot_config() {
  local uid version major minor dh_line='' users='' u expired_pw
  uid=$(id -u "$MAIL_USER")
  version=$(dovecot_version)
  [[ -n $version ]] || die "dovecot --version printed nothing"
  IFS=. read -r major minor _ <<<"$version"
  if ((major > 2 || (major == 2 && minor >= 4))); then
    write_dovecot24_config "$uid"
  else
    [[ -r /usr/share/dovecot/dh.pem ]] && dh_line="ssl_dh = </usr/share/dovecot/dh.pem"
    write_file "$DOVECOT_CONF" "# Generated by scripts/mailservers.sh (Dovecot $version); do not edit.
instance_name = dtr-gateway-mail
base_dir = $DOVECOT_RUN
state_dir = $DOVECOT_STATE
protocols = imap lmtp
listen = $LISTEN_ADDR
log_path = $LOG_DIR/dovecot.log
auth_verbose = yes

# Plain-text login is allowed on the non-TLS port (one test uses tls = none).
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
auth_failure_delay = 0
# Logins are bare names; LMTP recipients arrive as name@domain.
auth_username_format = %Ln
mail_max_userip_connections = 200
default_process_limit = 500
default_client_limit = 2000
first_valid_uid = $uid
last_valid_uid = 0
mail_location = maildir:~/Maildir
# Test mail only: no fsync per delivered message (the load tests deliver
# tens of thousands; a power cut losing test mail does not matter).
mail_fsync = never

ssl = yes
ssl_cert = <$TLS_DIR/server.pem
ssl_key = <$TLS_DIR/server.key
ssl_min_protocol = TLSv1.2
$dh_line

# Failed logins are answered at once: auth_failure_delay = 0 alone still
# holds each failure for up to 500 ms unless the request carries 'nodelay',
# and a failing passdb drops the fields it set. So a first passdb only adds
# nodelay and counts as failed (continue-fail; plain 'continue' would skip
# the password check of the next passdb!); the passwd-file alone decides
# passwords, the oauth2 passdb alone access tokens.
passdb {
  driver = static
  args = nopassword=y nodelay=y
  result_success = continue-fail
  result_failure = continue-fail
  result_internalfail = continue-fail
}
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $DOVECOT_OAUTH2
  result_success = return-ok
  result_failure = return-fail
  result_internalfail = return-fail
}
passdb {
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN $DOVECOT_USERS
  result_success = return-ok
  result_failure = return-fail
  result_internalfail = return-fail
}
userdb {
  driver = passwd-file
  args = $DOVECOT_USERS
  default_fields = uid=$MAIL_USER gid=$MAIL_USER home=$MAILDIRS/%n
}

namespace inbox {
  inbox = yes
  separator = /
  mailbox INBOX {
    auto = subscribe
  }
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
}

service imap-login {
  inet_listener imap {
    address = $LISTEN_ADDR
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = $LISTEN_ADDR
    port = $IMAPS_PORT
    ssl = yes
  }
}
service lmtp {
  unix_listener lmtp {
    mode = 0666
  }
}
# Postfix's SMTP AUTH asks Dovecot (smtpd_sasl_type = dovecot).
service auth {
  unix_listener auth-postfix {
    mode = 0666
  }
}
# No stall after a failed login (anvil's auth penalty).
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0600
  }
  unix_listener stats-writer {
    mode = 0666
  }
}"
  fi

  [[ $PASSWORD != *[:$'\n']* ]] || die "DTR_MAIL_PASSWORD must not contain ':' or a newline"
  expired_pw="expired-$PASSWORD-never-matches"
  for u in "${AUTHORITIES[@]}" "${AUTHORITY_PEOPLE[@]}" "${JUSTICE_USERS[@]}"; do
    users+="$u:{PLAIN}$PASSWORD::::::"$'\n'
  done
  users+="expired:{PLAIN}$expired_pw::::::"
  write_file "$DOVECOT_USERS" "$users" 640
  chgrp dovecot "$DOVECOT_USERS" 2>/dev/null || true

  # Access tokens: Dovecot posts token=... and expects {"active": true,
  # "username": USER} for a token good for USER.
  write_file "$DOVECOT_OAUTH2" "# Generated by scripts/mailservers.sh; do not edit.
introspection_mode = post
introspection_url = http://$LISTEN_ADDR:$OAUTH_PORT/introspect
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 10000"
}

write_dovecot24_config() {
  die "Dovecot $(dovecot_version) is not supported yet (this script writes Dovecot 2.3 configuration)"
}

write_postfix_config() {
  local vmailbox='' u
  for u in "${AUTHORITIES[@]}" "${AUTHORITY_PEOPLE[@]}"; do vmailbox+="$u@$AUTHORITY_DOMAIN OK"$'\n'; done
  for u in "${JUSTICE_USERS[@]}"; do vmailbox+="$u@$JUSTICE_DOMAIN OK"$'\n'; done
  write_file "$POSTFIX_DIR/vmailbox" "${vmailbox%$'\n'}"
  local domain_re=${JUSTICE_DOMAIN//./\\.}
  write_file "$POSTFIX_DIR/virtual-regexp" "/^officer\.[0-9]+@$domain_re\$/ $OFFICERS_USER@$JUSTICE_DOMAIN"

  write_file "$POSTFIX_DIR/main.cf" "# Generated by scripts/mailservers.sh; do not edit.
compatibility_level = 3.6
config_directory = $POSTFIX_DIR
queue_directory = $POSTFIX_QUEUE
data_directory = $POSTFIX_DATA
meta_directory = /etc/postfix
maillog_file = $LOG_DIR/postfix.log
maillog_file_prefixes = /var, /dev/stdout, $LOG_DIR
syslog_name = dtr-postfix

myhostname = mail.$AUTHORITY_DOMAIN
mydomain = $AUTHORITY_DOMAIN
myorigin = \$myhostname
mydestination =
inet_interfaces = $LISTEN_ADDR
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_banner = \$myhostname ESMTP
biff = no
append_dot_mydomain = no
readme_directory = no
alias_maps =
alias_database =
local_recipient_maps =
local_transport = error:local delivery is disabled

# Only the two test domains, delivered over LMTP to the private Dovecot.
virtual_mailbox_domains = $AUTHORITY_DOMAIN, $JUSTICE_DOMAIN
virtual_mailbox_maps = texthash:$POSTFIX_DIR/vmailbox
virtual_alias_maps = regexp:$POSTFIX_DIR/virtual-regexp
virtual_transport = lmtp:unix:$DOVECOT_RUN/lmtp
smtpd_reject_unlisted_recipient = yes

# Nothing ever leaves this machine.
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions =
default_transport = error:outbound mail is disabled in the test server
relay_transport = error:outbound mail is disabled in the test server
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
disable_vrfy_command = yes

# Test-friendly timing.
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
minimal_backoff_time = 2s
maximal_backoff_time = 10s
queue_run_delay = 2s

message_size_limit = 52428800
mailbox_size_limit = 0
virtual_mailbox_limit = 0

# STARTTLS offered on SMTP too, with the same certificate.
smtpd_tls_cert_file = $TLS_DIR/server.pem
smtpd_tls_key_file = $TLS_DIR/server.key
smtpd_tls_security_level = may
smtp_tls_security_level = none

# SMTP AUTH (PLAIN, LOGIN, XOAUTH2) through Dovecot, only over TLS.
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $DOVECOT_RUN/auth-postfix
smtpd_sasl_security_options = noanonymous
smtpd_sasl_tls_security_options = noanonymous
smtpd_tls_auth_only = yes"

  # Like Debian's stock master.cf, but nothing chrooted (a chroot breaks the
  # absolute LMTP socket path) and a postlog service for maillog_file.
  write_file "$POSTFIX_DIR/master.cf" "# Generated by scripts/mailservers.sh; do not edit.
# service        type  private unpriv chroot wakeup maxproc command
$LISTEN_ADDR:$SMTP_PORT inet n       -      n      -      -       smtpd
$LISTEN_ADDR:$SMTPS_PORT inet n      -      n      -      -       smtpd
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_security_level=encrypt
pickup           unix  n       -      n      60     1       pickup
cleanup          unix  n       -      n      -      0       cleanup
qmgr             unix  n       -      n      300    1       qmgr
tlsmgr           unix  -       -      n      1000?  1       tlsmgr
rewrite          unix  -       -      n      -      -       trivial-rewrite
bounce           unix  -       -      n      -      0       bounce
defer            unix  -       -      n      -      0       bounce
trace            unix  -       -      n      -      0       bounce
verify           unix  -       -      n      -      1       verify
flush            unix  n       -      n      1000?  0       flush
proxymap         unix  -       -      n      -      -       proxymap
proxywrite       unix  -       -      n      -      1       proxymap
smtp             unix  -       -      n      -      -       smtp
relay            unix  -       -      n      -      -       smtp
showq            unix  n       -      n      -      -       showq
error            unix  -       -      n      -      -       error
retry            unix  -       -      n      -      -       error
discard          unix  -       -      n      -      -       discard
lmtp             unix  -       -      n      -      -       lmtp
anvil            unix  -       -      n      -      1       anvil
scache           unix  -       -      n      -      1       scache
postlog          unix-dgram n  -      n      -      1       postlogd"
}

write_configs() {
  mkdir -p "$LOG_DIR" "$MAIL_DIR/run" "$DOVECOT_STATE" "$POSTFIX_DIR" \
    "$POSTFIX_QUEUE" "$POSTFIX_DATA" "$MAILDIRS"
  chmod 755 "$MAIL_DIR" "$MAIL_DIR/run" "$POSTFIX_DIR"
  chown "$MAIL_USER:$MAIL_USER" "$MAILDIRS"
  chmod 750 "$MAILDIRS"
  chown postfix "$POSTFIX_DATA"
  chmod 700 "$POSTFIX_DATA"
  write_dovecot_config
  write_postfix_config
}

dovecot_hash() { files_hash "$DOVECOT_CONF" "$DOVECOT_USERS" "$DOVECOT_OAUTH2" "$TLS_DIR/server.pem"; }
postfix_hash() { files_hash "$POSTFIX_DIR/main.cf" "$POSTFIX_DIR/master.cf" "$POSTFIX_DIR/vmailbox" "$POSTFIX_DIR/virtual-regexp" "$TLS_DIR/server.pem"; }

# --------------------------------------------------------------------------
# Daemons

start_dovecot() {
  # A stale run directory would keep old sockets (and their modes).
  rm -rf "$DOVECOT_RUN"
  log "starting dovecot ($DOVECOT_CONF)"
  (close_inherited_fds && exec dovecot -c "$DOVECOT_CONF") </dev/null >>"$LOG_DIR/dovecot.start.log" 2>&1 ||
    die "dovecot failed to start; see $LOG_DIR/dovecot.start.log and $LOG_DIR/dovecot.log:
$(tail -n 20 "$LOG_DIR/dovecot.start.log" "$LOG_DIR/dovecot.log" 2>/dev/null)"
  dovecot_hash >"$DOVECOT_HASH"
}

# Stop the given daemons (dovecot, postfix) of this state folder together.
# Both shut down gracefully on SIGTERM ('postfix stop' sends the same, then
# polls once a second). Dovecot's master exits after 1-2 s but leaves its
# imap processes, and so its clients' connections, alive for about 8 s more:
# those are sent SIGTERM at once (they answer "* BYE Server shutting down"),
# so that an outage made with stop-imap is seen by clients straight away.
stop_daemons() {
  local name pid pids=() ports=() kids=() kid i
  for name in "$@"; do
    case $name in
      dovecot) pid=$(dovecot_pid) ports+=("$IMAP_PORT" "$IMAPS_PORT") ;;
      postfix) pid=$(postfix_pid) ports+=("$SMTP_PORT" "$SMTPS_PORT") ;;
    esac
    rm -f "$MAIL_DIR/run/$name.config-hash"
    [[ -n $pid ]] || continue
    log "stopping $name (pid $pid)"
    [[ $name == dovecot ]] && mapfile -t -O "${#kids[@]}" kids < <(pgrep -P "$pid" || true)
    kill -TERM "$pid" 2>/dev/null || true
    pids+=("$pid")
  done
  for kid in "${kids[@]}"; do
    case $(proc_comm "$kid") in
      log | config | anvil | stats | auth) ;; # left to the master
      *) kill -TERM "$kid" 2>/dev/null || true ;;
    esac
  done
  for pid in "${pids[@]}"; do wait_gone "$pid"; done
  # Whatever the master left behind (now children of init) goes too.
  for kid in "${kids[@]}"; do
    [[ "$(proc_ppid "$kid")" == 1 ]] && kill -TERM "$kid" 2>/dev/null
  done
  for kid in "${kids[@]}"; do
    for ((i = 0; i < 20; i++)); do
      pid_alive "$kid" && [[ "$(proc_ppid "$kid")" == 1 ]] || break
      sleep 0.1
    done
    [[ "$(proc_ppid "$kid")" == 1 ]] && kill -KILL "$kid" 2>/dev/null
  done
  ((${#pids[@]} == 0)) || wait_ports down "${ports[@]}" ||
    die "ports ${ports[*]} still in use after stopping $*"
}

start_postfix() {
  log "starting postfix ($POSTFIX_DIR)"
  (close_inherited_fds && exec postfix -c "$POSTFIX_DIR" start) </dev/null >>"$LOG_DIR/postfix.start.log" 2>&1 ||
    die "postfix failed to start; see $LOG_DIR/postfix.start.log and $LOG_DIR/postfix.log:
$(tail -n 20 "$LOG_DIR/postfix.start.log" "$LOG_DIR/postfix.log" 2>/dev/null)"
  postfix_hash >"$POSTFIX_HASH"
}

# Start Dovecot unless it already runs from this folder with this config.
ensure_dovecot() {
  if [[ -n "$(dovecot_pid)" ]]; then
    if [[ "$(cat "$DOVECOT_HASH" 2>/dev/null || true)" == "$(dovecot_hash)" ]]; then
      return 0
    fi
    log "dovecot configuration changed; restarting it"
    stop_daemons dovecot
  fi
  start_dovecot
}

ensure_postfix() {
  if [[ -n "$(postfix_pid)" ]]; then
    if [[ "$(cat "$POSTFIX_HASH" 2>/dev/null || true)" == "$(postfix_hash)" ]]; then
      return 0
    fi
    log "postfix configuration changed; restarting it"
    stop_daemons postfix
  fi
  start_postfix
}

wait_ready() {
  wait_ports up "$@" && return 0
  local port missing=()
  for port in "$@"; do port_listening "$port" || missing+=("$LISTEN_ADDR:$port"); done
  die "not listening after ${READY_TIMEOUT}s: ${missing[*]}; logs in $LOG_DIR:
$(tail -n 15 "$LOG_DIR/dovecot.log" "$LOG_DIR/postfix.log" 2>/dev/null)"
}

# Serialise concurrent invocations (e.g. several test processes at once).
take_lock() {
  mkdir -p "$MAIL_DIR"
  exec 9>"$MAIL_DIR/.lock"
  flock -w 120 9 || die "another mailservers.sh holds $MAIL_DIR/.lock"
}

need_root() { [[ $EUID -eq 0 ]] || die "must run as root"; }

print_env() {
  printf 'export DTR_MAIL_DIR=%q\n' "$MAIL_DIR"
  printf 'export DTR_IMAP_HOST=%s\n' "$LISTEN_ADDR"
  printf 'export DTR_IMAP_PORT=%s\n' "$IMAP_PORT"
  printf 'export DTR_IMAPS_PORT=%s\n' "$IMAPS_PORT"
  printf 'export DTR_SMTP_PORT=%s\n' "$SMTP_PORT"
  printf 'export DTR_SMTPS_PORT=%s\n' "$SMTPS_PORT"
  printf 'export DTR_OAUTH_PORT=%s\n' "$OAUTH_PORT"
  printf 'export DTR_MAIL_CA=%q\n' "$TLS_DIR/ca.pem"
  printf 'export DTR_MAIL_PASSWORD=%q\n' "$PASSWORD"
  printf 'export DTR_DOVEADM="doveadm -c %s"\n' "$DOVECOT_CONF"
}

cmd_start() {
  need_root
  take_lock
  ensure_packages
  ensure_tls
  write_configs
  free_ports "$IMAP_PORT" "$IMAPS_PORT" "$SMTP_PORT" "$SMTPS_PORT"
  ensure_dovecot
  ensure_postfix
  wait_ready "$IMAP_PORT" "$IMAPS_PORT" "$SMTP_PORT" "$SMTPS_PORT"
  print_env
}

cmd_stop() {
  need_root
  take_lock
  stop_daemons dovecot postfix
  log "stopped"
}

cmd_start_imap() {
  need_root
  take_lock
  ensure_packages
  ensure_tls
  write_configs
  free_ports "$IMAP_PORT" "$IMAPS_PORT"
  ensure_dovecot
  wait_ready "$IMAP_PORT" "$IMAPS_PORT"
}

cmd_stop_imap() {
  need_root
  take_lock
  stop_daemons dovecot
}

# The private CA (and Dovecot's certificate) without installing or starting
# anything else; openssl must be there.
cmd_ca() {
  need_root
  take_lock
  command -v openssl >/dev/null 2>&1 || die "openssl is not installed"
  ensure_tls
  printf 'export DTR_MAIL_TLS_DIR=%q\n' "$TLS_DIR"
}

cmd_reset_mailbox() {
  local user=${1:-}
  [[ -n $user ]] || die "usage: $0 reset-mailbox USER"
  [[ -f $DOVECOT_CONF ]] || die "no $DOVECOT_CONF; run '$0 start' first"
  # doveadm looks users up through the running Dovecot's auth service.
  [[ -n "$(dovecot_pid)" ]] || die "Dovecot is not running (after stop-imap?); run '$0 start-imap' first"
  doveadm -c "$DOVECOT_CONF" expunge -u "$user" mailbox '*' all
}

main() {
  local cmd=${1:-start}
  (($# > 0)) && shift
  case $cmd in
    start) cmd_start ;;
    stop) cmd_stop ;;
    env) print_env ;;
    reset-mailbox) cmd_reset_mailbox "$@" ;;
    stop-imap) cmd_stop_imap ;;
    start-imap) cmd_start_imap ;;
    ca) cmd_ca ;;
    -h | --help | help) usage ;;
    *)
      usage
      die "unknown subcommand '$cmd'"
      ;;
  esac
}

main "$@"
