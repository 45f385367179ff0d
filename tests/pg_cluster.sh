#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, run as the postgres user.
#
#   pg_cluster.sh start DIR    a new cluster (a stale one in DIR is removed
#                              first); writes DIR/url, a libpq URL of its
#                              postgres database
#   pg_cluster.sh stop DIR     stops it and removes its data; succeeds when
#                              nothing runs
#   pg_cluster.sh pause DIR    stops the server, keeping the data
#   pg_cluster.sh resume DIR   starts it again on the same port
#
# The data lives in a folder under /tmp owned by postgres, since postgres
# may not be able to traverse DIR's parents; DIR/data records its path,
# DIR/port the port. The server listens on 127.0.0.1 and on a unix socket
# in that folder, with trust authentication.
set -euo pipefail

PG_BIN=/usr/lib/postgresql/15/bin
PG_USER=postgres
# Seconds to wait for the server to start or stop.
WAIT_SECONDS=60
# Attempts at a free port, in case another process takes the one picked.
PORT_TRIES=5

die() {
	echo "pg_cluster.sh: $*" >&2
	exit 1
}

# Runs a command as the postgres user, from a folder it may enter.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd /tmp && runuser -u "$PG_USER" -- "$@")
	else
		(cd /tmp && "$@")
	fi
}

free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# The data folder recorded in DIR, or nothing; refuses anything that does
# not look like one this script made, since stop removes it.
data_of() {
	local dir=$1 data
	[ -f "$dir/data" ] || return 0
	data=$(cat "$dir/data")
	case $data in
	/tmp/pkiaas-pg-*) echo "$data" ;;
	*) die "$dir/data names $data, not a folder this script made" ;;
	esac
}

running() {
	as_pg "$PG_BIN/pg_ctl" -D "$1/db" status >/dev/null 2>&1
}

server_start() {
	local data=$1 port=$2
	as_pg "$PG_BIN/pg_ctl" -D "$data/db" -l "$data/server.log" -w \
		-t "$WAIT_SECONDS" -o "-p $port" start >/dev/null
}

cmd_start() {
	local dir=$1 data port try
	cmd_stop "$dir"
	mkdir -p "$dir"
	data=$(mktemp -d /tmp/pkiaas-pg-XXXXXX)
	echo "$data" >"$dir/data"
	if [ "$(id -u)" -eq 0 ]; then
		chown "$PG_USER:" "$data"
	fi
	as_pg "$PG_BIN/initdb" -D "$data/db" -U postgres -A trust \
		--no-locale -E UTF8 >"$data/initdb.log" 2>&1 ||
		die "initdb failed; see $data/initdb.log"
	as_pg tee -a "$data/db/postgresql.conf" >/dev/null <<-EOF
		listen_addresses = '127.0.0.1'
		unix_socket_directories = '$data'
		max_connections = 300
		shared_buffers = 32MB
	EOF
	for try in $(seq "$PORT_TRIES"); do
		port=$(free_port)
		if server_start "$data" "$port"; then
			echo "$port" >"$dir/port"
			echo "postgresql://postgres@127.0.0.1:$port/postgres" \
				>"$dir/url"
			return 0
		fi
		echo "pg_cluster.sh: port $port failed (try $try)" >&2
	done
	die "the server did not start; see $data/server.log"
}

cmd_stop() {
	local dir=$1 data
	data=$(data_of "$dir")
	if [ -n "$data" ] && [ -d "$data/db" ] && running "$data"; then
		as_pg "$PG_BIN/pg_ctl" -D "$data/db" -m immediate -w \
			-t "$WAIT_SECONDS" stop >/dev/null ||
			echo "pg_cluster.sh: could not stop $data" >&2
	fi
	if [ -n "$data" ]; then
		rm -rf "$data"
	fi
	rm -f "$dir/data" "$dir/port" "$dir/url"
}

cmd_pause() {
	local data
	data=$(data_of "$1")
	[ -n "$data" ] || die "no cluster in $1"
	if running "$data"; then
		as_pg "$PG_BIN/pg_ctl" -D "$data/db" -m fast -w \
			-t "$WAIT_SECONDS" stop >/dev/null
	fi
}

cmd_resume() {
	local data
	data=$(data_of "$1")
	[ -n "$data" ] || die "no cluster in $1"
	if ! running "$data"; then
		server_start "$data" "$(cat "$1/port")" ||
			die "the server did not start; see $data/server.log"
	fi
}

[ $# -eq 2 ] || die "usage: pg_cluster.sh start|stop|pause|resume DIR"
case $1 in
start | stop | pause | resume) "cmd_$1" "$2" ;;
*) die "unknown action $1; use start, stop, pause or resume" ;;
esac
