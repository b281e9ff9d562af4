/**
 * The task launcher: one small perl process per run that forks task shells for lc (see
 * spawner.ts for why). Protocol, over its stdin/stdout pipes:
 *
 *   lc -> launcher   `<byte length>\n<token>\0<cwd>\0<log>\0<header>\0<shell>\0<command>[\0NAME=value]...`
 *   launcher -> lc   `READY`            once, at start
 *                    `S <token> <pid>`  the shell runs (pid = its process group)
 *                    `E <token> <exit code or -> <signal number or -> <cpu seconds> <log bytes>`
 *                    `X <token> <message>`   could not start it
 *
 * Length-prefixed frames carry any command (newlines included). The launcher exits when its
 * stdin closes and its last child has been reaped; if lc dies, that is when the tasks it
 * left are gone (the next run kills them, see runner/orphans.ts).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Spawner, SpawnHandlers, SpawnSpec } from './spawner.js';
import { signalName } from './spawner.js';

const LAUNCHER_PL = String.raw`
use strict; use warnings; use POSIX (); use Fcntl;
$| = 1;
my %ids; my %logs; my $buf = ''; my $eof = 0;
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
    launch(split /\0/, $msg, -1);
  }
}
`;

interface Pending {
  spec: SpawnSpec;
  h: SpawnHandlers;
}

/**
 * A spawner backed by the perl launcher. If the launcher cannot start (perl too broken to run
 * it), everything goes to `fallback()` instead, transparently.
 */
export function createLauncherSpawner(perl: string, baseEnv: NodeJS.ProcessEnv, fallback: () => Spawner): Spawner {
  let proc: ChildProcessWithoutNullStreams | null = null;
  let ready = false;
  let dead = false;
  let replacement: Spawner | null = null;
  let nextToken = 1;
  const waiting: Pending[] = []; // sent before READY
  const live = new Map<string, SpawnHandlers>();
  let out = '';
  let err = '';
  let exited: Promise<void> = Promise.resolve();

  const send = (tok: string, spec: SpawnSpec) => {
    const fields = [tok, spec.cwd, spec.logPath, spec.header, spec.shell, spec.command];
    for (const [k, v] of Object.entries(spec.env)) fields.push(`${k}=${v}`);
    const payload = fields.join('\0');
    (proc as ChildProcessWithoutNullStreams).stdin.write(`${Buffer.byteLength(payload)}\n${payload}`);
  };

  const dispatch = (p: Pending) => {
    if (replacement) return replacement.spawn(p.spec, p.h);
    const tok = String(nextToken++);
    live.set(tok, p.h);
    send(tok, p.spec);
  };

  const onLine = (line: string) => {
    if (line === 'READY') {
      ready = true;
      for (const p of waiting.splice(0)) dispatch(p);
      return;
    }
    const sp = line.indexOf(' ');
    const kind = line.slice(0, sp);
    const rest = line.slice(sp + 1);
    const sp2 = rest.indexOf(' ');
    const tok = rest.slice(0, sp2);
    const h = live.get(tok);
    if (!h) return;
    if (kind === 'S') {
      h.started(Number(rest.slice(sp2 + 1)));
    } else if (kind === 'E') {
      live.delete(tok);
      const [code, sig, cpu, bytes] = rest.slice(sp2 + 1).split(' ');
      h.exited(code === '-' ? null : Number(code), sig === '-' ? null : signalName(Number(sig)), Number(cpu), Number(bytes));
    } else if (kind === 'X') {
      live.delete(tok);
      h.failed(rest.slice(sp2 + 1));
    }
  };

  const startLauncher = () => {
    const p = spawn(perl, ['-e', LAUNCHER_PL], { stdio: ['pipe', 'pipe', 'pipe'], env: baseEnv, detached: true });
    proc = p;
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (d: string) => {
      out += d;
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        onLine(line);
      }
    });
    p.stderr.setEncoding('utf8');
    p.stderr.on('data', (d: string) => {
      if (err.length < 4096) err += d;
    });
    p.stdin.on('error', () => undefined); // EPIPE if it died; handled on 'exit'
    exited = new Promise<void>((resolve) => {
      p.on('error', () => undefined);
      p.on('close', () => {
        dead = true;
        if (!ready) {
          // Never came up: do everything the direct way.
          replacement = fallback();
          for (const w of waiting.splice(0)) replacement.spawn(w.spec, w.h);
        }
        const why = `the task launcher exited unexpectedly${err ? `: ${err.trim().split('\n').pop()}` : ''}`;
        for (const h of live.values()) h.failed(why);
        live.clear();
        resolve();
      });
    });
  };

  return {
    kind: 'launcher',
    spawn(spec, h) {
      if (replacement) return replacement.spawn(spec, h);
      if (dead) return h.failed('the task launcher is not running');
      if (!proc) startLauncher();
      if (!ready) waiting.push({ spec, h });
      else dispatch({ spec, h });
    },
    async close() {
      if (replacement) await replacement.close();
      if (!proc || dead) return;
      proc.stdin.end();
      await exited;
    },
  };
}
