/**
 * The launcher programs (see launcher.ts for the protocol they speak). Two implementations of
 * the same loop: python3 first, because os.posix_spawn uses vfork (no page tables copied: about
 * half the cost of a fork per task) and os.wait4 gives each task's exact CPU time; perl as the
 * fallback, because perl-base is on every Debian/Ubuntu system.
 *
 * Both: read length-prefixed frames from stdin (the first holds the base environment, exactly as
 * lc has it: an interpreter wrapper such as a pyenv shim may have changed the launcher's own),
 * then requests; start `<shell> -c <command>` in a new session
 * with stdin from /dev/null and stdout+stderr to a freshly created log file that starts with
 * lc's header, wake on SIGCHLD through a self-pipe, reap with WNOHANG, and exit once stdin is
 * closed and every child has been reaped.
 */

export const LAUNCHER_PY = String.raw`
import os, select, signal, sys
out = sys.stdout
def say(s):
    out.write(s + '\n'); out.flush()
rfd, wfd = os.pipe()
os.set_blocking(wfd, False); os.set_blocking(rfd, False)
signal.set_wakeup_fd(wfd)
signal.signal(signal.SIGCHLD, lambda *a: None)
for s in (signal.SIGINT, signal.SIGHUP, signal.SIGPIPE):
    signal.signal(s, signal.SIG_IGN)
# Python (and we) ignore these; a task must start with default dispositions.
DEFAULTED = (signal.SIGINT, signal.SIGHUP, signal.SIGPIPE, signal.SIGXFSZ, signal.SIGCHLD)
ids = {}; logs = {}; buf = b''; eof = False
stdin = sys.stdin.buffer.raw if hasattr(sys.stdin.buffer, 'raw') else sys.stdin.buffer
base_env = None
cwd_now = os.getcwd()
devnull = os.open('/dev/null', os.O_RDONLY)
WF = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
def reap():
    while ids:
        try:
            pid, st, ru = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        tok = ids.pop(pid, None); log = logs.pop(pid, None)
        if tok is None:
            continue
        try:
            size = os.stat(log).st_size
        except OSError:
            size = 0
        cpu = ru.ru_utime + ru.ru_stime
        if os.WIFSIGNALED(st):
            say('E %s - %d %.3f %d' % (tok, os.WTERMSIG(st), cpu, size))
        else:
            say('E %s %d - %.3f %d' % (tok, os.WEXITSTATUS(st), cpu, size))
def set_env(f):
    global base_env
    base_env = {}
    for kv in f:
        k, _, v = kv.decode('utf-8', 'surrogateescape').partition('=')
        if k:
            base_env[k] = v
def launch(f):
    global cwd_now
    tok, cwd, log, head, sh, cmd = [x.decode('utf-8', 'surrogateescape') for x in f[:6]]
    env = dict(base_env)
    for kv in f[6:]:
        k, _, v = kv.decode('utf-8', 'surrogateescape').partition('=')
        env[k] = v
    try:
        if cwd != cwd_now:
            os.chdir(cwd); cwd_now = cwd
        fd = os.open(log, WF, 0o644)
    except OSError as e:
        say('X %s %s' % (tok, e)); return
    try:
        os.write(fd, f[3])
        pid = os.posix_spawn(sh, [sh, '-c', cmd], env, file_actions=[
            (os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, fd, 1), (os.POSIX_SPAWN_DUP2, fd, 2)],
            setsid=True, setsigdef=DEFAULTED)
    except OSError as e:
        say('X %s cannot start %s: %s' % (tok, sh, e)); return
    finally:
        os.close(fd)
    ids[pid] = tok; logs[pid] = log
    say('S %s %d' % (tok, pid))
say('READY')
while True:
    reap()
    if eof and not ids:
        break
    r = [rfd] if eof else [rfd, stdin]
    try:
        ready, _, _ = select.select(r, [], [], 1.0)
    except InterruptedError:
        continue
    if rfd in ready:
        try:
            os.read(rfd, 4096)
        except BlockingIOError:
            pass
    if eof or stdin not in ready:
        continue
    chunk = os.read(stdin.fileno(), 65536)
    if not chunk:
        eof = True; continue
    buf += chunk
    while True:
        nl = buf.find(b'\n')
        if nl < 0:
            break
        n = int(buf[:nl])
        if len(buf) < nl + 1 + n:
            break
        msg = buf[nl + 1:nl + 1 + n]; buf = buf[nl + 1 + n:]
        if base_env is None:
            set_env(msg.split(b'\0'))
        else:
            launch(msg.split(b'\0'))
`;

export const LAUNCHER_PL = String.raw`
use strict; use warnings; use POSIX (); use Fcntl;
$| = 1;
my %ids; my %logs; my $buf = ''; my $eof = 0; my $have_env = 0;
pipe(my $sr, my $sw) or die "pipe: $!";
fcntl($sw, F_SETFL, O_NONBLOCK); fcntl($sr, F_SETFL, O_NONBLOCK);
$SIG{CHLD} = sub { syswrite($sw, 'x') };
$SIG{PIPE} = 'IGNORE'; $SIG{INT} = 'IGNORE'; $SIG{HUP} = 'IGNORE';
my $last_cpu = 0;
sub child_cpu { my @t = times; return $t[2] + $t[3]; }
sub reap {
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    my $st = $?;
    my $tok = delete $ids{$pid};
    my $log = delete $logs{$pid};
    next unless defined $tok;
    my $cpu = child_cpu(); my $d = $cpu - $last_cpu; $last_cpu = $cpu;
    my $size = -s $log; $size = 0 unless defined $size;
    if ($st & 127) { printf "E %s - %d %.3f %d\n", $tok, $st & 127, $d, $size; }
    else { printf "E %s %d - %.3f %d\n", $tok, $st >> 8, $d, $size; }
  }
}
sub launch {
  my ($tok, $cwd, $log, $head, $sh, $cmd, @env) = @_;
  unless (-d $cwd) { print "X $tok working directory $cwd does not exist\n"; return; }
  my $pid = fork();
  unless (defined $pid) { print "X $tok fork failed: $!\n"; return; }
  if ($pid == 0) {
    $SIG{CHLD} = 'DEFAULT'; $SIG{PIPE} = 'DEFAULT'; $SIG{INT} = 'DEFAULT'; $SIG{HUP} = 'DEFAULT';
    POSIX::setsid();
    for my $kv (@env) { my $i = index($kv, '='); $ENV{substr($kv, 0, $i)} = substr($kv, $i + 1); }
    open(STDIN, '<', '/dev/null');
    open(STDOUT, '>', $log) or POSIX::_exit(127);
    syswrite(STDOUT, $head);
    open(STDERR, '>&', \*STDOUT) or POSIX::_exit(127);
    unless (chdir $cwd) { print STDERR "lc: cannot change to $cwd: $!\n"; POSIX::_exit(127); }
    { no warnings 'exec'; exec { $sh } $sh, '-c', $cmd; }
    print STDERR "lc: cannot run $sh: $!\n";
    POSIX::_exit(127);
  }
  $ids{$pid} = $tok;
  $logs{$pid} = $log;
  print "S $tok $pid\n";
}
print "READY\n";
while (1) {
  reap();
  last if $eof && !%ids;
  my $rin = '';
  vec($rin, fileno(STDIN), 1) = 1 unless $eof;
  vec($rin, fileno($sr), 1) = 1;
  my $n = select(my $rout = $rin, undef, undef, 1.0);
  next unless defined $n && $n > 0;
  if (vec($rout, fileno($sr), 1)) { sysread($sr, my $junk, 4096); }
  next if $eof || !vec($rout, fileno(STDIN), 1);
  my $r = sysread(STDIN, $buf, 65536, length $buf);
  if (!defined $r) { next if $!{EINTR} || $!{EAGAIN}; $eof = 1; next; }
  if ($r == 0) { $eof = 1; next; }
  while ($buf =~ /\A(\d+)\n/) {
    my $hl = length($1) + 1; my $len = $1;
    last if length($buf) < $hl + $len;
    my $msg = substr($buf, $hl, $len);
    substr($buf, 0, $hl + $len) = '';
    if ($have_env) { launch(split /\0/, $msg, -1); next; }
    %ENV = ();
    for my $kv (split /\0/, $msg, -1) { my $i = index($kv, '='); $ENV{substr($kv, 0, $i)} = substr($kv, $i + 1) if $i > 0; }
    $have_env = 1;
  }
}
`;
