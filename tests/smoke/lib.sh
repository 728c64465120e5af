# tests/smoke/lib.sh: shared helpers for the tmux smoke cases (sourced, POSIX sh).
#
# Every case runs in its own mktemp directory with a private tmux server
# (-S $tmp/sock -f /dev/null), so it never touches a user's tmux and cases can
# run in parallel. fakehands binds 127.0.0.1 port 0. All waits are bounded
# polls of capture-pane or of a file (about 10 s), never long fixed sleeps.
# cleanup (an EXIT trap) kills the tmux server, fakehands by its PID, and
# removes the directory with the socket in it. Output is TAP.
#
# usage in a case: . lib.sh; smoke_init OHBROWSE FAKEHANDS; fh_start SCENARIO; ...
set -u

smoke_abspath() { (cd "$(dirname "$1")" && echo "$(pwd)/$(basename "$1")"); }

smoke_init() {
	ohbrowse=$(smoke_abspath "$1")
	fakehands=$(smoke_abspath "$2")
	here=$(cd "$(dirname "$0")" && pwd)
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/ohb-smoke.XXXXXX") || exit 1
	fh_pid=
	tmux_up=
	n_test=0
	n_fail=0
	mkdir -p "$tmp/home" "$tmp/work"
	trap smoke_cleanup EXIT
	trap 'exit 1' INT TERM HUP
}

smoke_cleanup() {
	if [ -n "$tmux_up" ]; then
		tmux -S "$tmp/sock" kill-server 2>/dev/null
	fi
	if [ -n "$fh_pid" ]; then
		kill "$fh_pid" 2>/dev/null
		wait "$fh_pid" 2>/dev/null
	fi
	[ -n "${SMOKE_KEEP:-}" ] && echo "# kept $tmp" && return
	rm -rf "$tmp"
}

# TAP helpers
ok() { n_test=$((n_test + 1)); echo "ok $n_test - $1"; }
not_ok() {
	n_test=$((n_test + 1)); n_fail=$((n_fail + 1)); echo "not ok $n_test - $1"
	shift
	for m in "$@"; do echo "# $m"; done
}
check() { # check NAME COMMAND...: one TAP line from a command's status
	name=$1; shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
smoke_done() {
	echo "1..$n_test"
	[ "$n_fail" -eq 0 ]
}
# Bail out: a setup step failed; show what we have.
bail() {
	echo "Bail out! $1"
	[ -f "$tmp/fh.err" ] && sed 's/^/# fakehands: /' "$tmp/fh.err"
	[ -n "$tmux_up" ] && tmux -S "$tmp/sock" capture-pane -p 2>/dev/null | sed 's/^/# screen: /'
	[ -f "$tmp/stderr" ] && sed 's/^/# stderr: /' "$tmp/stderr"
	exit 1
}

# fh_start SCENARIO: run fakehands, set $url (the app server).
fh_start() {
	mkfifo "$tmp/fh.out"
	"$fakehands" --scenario "$1" >"$tmp/fh.out" 2>"$tmp/fh.err" &
	fh_pid=$!
	url=
	while IFS= read -r line; do
		case $line in
		"app "*) url=${line#app } ;;
		ready) break ;;
		esac
	done <"$tmp/fh.out"
	# Keep draining its stdout so it never blocks on a full pipe.
	cat "$tmp/fh.out" >/dev/null &
	[ -n "$url" ] || bail "fakehands did not start"
}

# tmux_start ARGS...: run ohbrowse ARGS in a detached 80x24 pane of a private
# server, in the locale $smoke_locale (default C.UTF-8).
# The pane script records the ohbrowse PID ($tmp/pid: sh execs it),
# then after exit its status ($tmp/rc) and `stty -a` of the pane ($tmp/stty),
# and stays alive so the screen can be inspected after the exit.
tmux_start() {
	{
		echo 'trap : INT TERM HUP'
		echo "cd '$tmp/work' || exit 1"
		printf "sh -c 'echo \$\$ >\"\$0\"; exec \"\$@\"' '%s' '%s'" "$tmp/pid" "$ohbrowse"
		for arg in "$@"; do printf " '%s'" "$arg"; done
		echo " 2>'$tmp/stderr'"
		echo "echo \$? >'$tmp/rc.tmp'"
		echo "stty -a >'$tmp/stty' 2>&1"
		echo "mv '$tmp/rc.tmp' '$tmp/rc'"
		echo 'exec sleep 120'
	} >"$tmp/pane.sh"
	envs="TERM=xterm-256color LANG=${smoke_locale:-C.UTF-8} LC_ALL=${smoke_locale:-C.UTF-8} TZ=UTC HOME=$tmp/home"
	envs="$envs XDG_CONFIG_HOME=$tmp/home OHBROWSE_NOW=2026-11-25T12:00:00Z PATH=$PATH"
	# A case can add variables (PAGER=..., EDITOR=...) in $smoke_env.
	[ -n "${smoke_env:-}" ] && envs="$envs $smoke_env"
	[ -n "${ASAN_OPTIONS:-}" ] && envs="$envs ASAN_OPTIONS=$ASAN_OPTIONS"
	[ -n "${UBSAN_OPTIONS:-}" ] && envs="$envs UBSAN_OPTIONS=$UBSAN_OPTIONS"
	# shellcheck disable=SC2086
	TERM=xterm-256color tmux -S "$tmp/sock" -f /dev/null new-session -d -x 80 -y 24 \
		"env -i $envs sh '$tmp/pane.sh'" || bail "tmux new-session failed"
	tmux_up=1
	tmux -S "$tmp/sock" set-option -g window-size manual >/dev/null
	wait_file "$tmp/pid" || bail "ohbrowse did not start"
	ob_pid=$(cat "$tmp/pid")
}

tm() { tmux -S "$tmp/sock" "$@"; }
screen() { tm capture-pane -p; }

# wait_screen PATTERN [SECONDS]: poll the pane until a line matches (grep -E).
wait_screen() {
	limit=$(( ${2:-10} * 10 ))
	i=0
	while [ $i -lt $limit ]; do
		screen >"$tmp/screen" 2>/dev/null
		grep -Eq -- "$1" "$tmp/screen" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# wait_file FILE [SECONDS]: poll until FILE exists and is not empty.
wait_file() {
	limit=$(( ${2:-10} * 10 ))
	i=0
	while [ $i -lt $limit ]; do
		[ -s "$1" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# After ohbrowse exited: its status, the alternate screen, termios.
check_exit() { # check_exit EXPECTED_CODE
	if wait_file "$tmp/rc"; then
		rc=$(cat "$tmp/rc")
		if [ "$rc" = "$1" ]; then ok "exit code $1"
		else not_ok "exit code $1" "got $rc" "$(cat "$tmp/stderr" 2>/dev/null)"; fi
	else
		not_ok "exit code $1" "ohbrowse did not exit within 10 s"
		return
	fi
	alt=$(tm display-message -p '#{alternate_on}')
	if [ "$alt" = 0 ]; then ok "alternate screen off after exit"
	else not_ok "alternate screen off after exit" "alternate_on=$alt"; fi
	if grep -Eq '(^|[ ;])icanon([ ;]|$)' "$tmp/stty" && grep -Eq '(^|[ ;])echo([ ;]|$)' "$tmp/stty"; then
		ok "terminal restored: stty -a shows icanon and echo"
	else
		not_ok "terminal restored: stty -a shows icanon and echo" "$(cat "$tmp/stty")"
	fi
}

# start_download: open the only conversation, confirm a download of all its
# files and wait until big.bin is held mid-transfer (download.json).
start_download() {
	wait_screen ' 1/1  ' || bail "the list never showed"
	tm send-keys Enter
	wait_screen 'README\.md' || bail "the files never showed"
	tm send-keys d
	wait_screen 'Download all' || bail "no download question"
	tm send-keys y
	wait_screen 'active +big\.bin' || bail "the download never started"
	# The archive is written as NAME.part until it is complete.
	i=0
	while [ $i -lt 100 ] && ! ls "$tmp/work"/*.part >/dev/null 2>&1; do sleep 0.1; i=$((i + 1)); done
	if ls "$tmp/work"/*.part >/dev/null 2>&1; then ok "download running: a .part file exists"
	else not_ok "download running: a .part file exists" "$(ls -la "$tmp/work")"; fi
}

# fatal_case SIG NUMBER: kill the browser (mouse on, mid-list) with a fatal signal. The
# emergency restore (async-signal-safe: write(2) and tcsetattr only) must leave the
# alternate screen, the mouse and raw mode, and the process must still die by SIG
# (the shell sees 128+signo), with the note on the real stderr.
fatal_case() {
	# Under ASan, leave SEGV to the default action so the death is the signal itself.
	[ -n "${ASAN_OPTIONS:-}" ] && ASAN_OPTIONS="$ASAN_OPTIONS:handle_segv=0:handle_abort=0"
	fh_start "$here/list.json"
	tmux_start --server "$url" --mouse
	wait_screen ' 1/' || bail "the list never showed"
	mouse=$(tm display-message -p '#{mouse_any_flag}')
	if [ "$mouse" = 1 ]; then ok "the browser asked for the mouse"
	else not_ok "the browser asked for the mouse" "mouse_any_flag=$mouse"; fi
	kill -"$1" "$ob_pid"
	check_exit $((128 + $2))
	mouse=$(tm display-message -p '#{mouse_any_flag}')
	if [ "$mouse" = 0 ]; then ok "mouse reporting off after the crash"
	else not_ok "mouse reporting off after the crash" "mouse_any_flag=$mouse"; fi
	check "the note is on the real stderr" grep -q 'fatal signal; terminal restored' "$tmp/stderr"
}
